// Top-1 class of every Fashion-MNIST test image from an ONNX model in
// onnxruntime-node, batches of 500, pixels scaled to [0, 1] (the model
// normalises itself):  node onnxruntime_fmnist.js ORT_DIR MODEL DATA_DIR OUT.txt
const ort = require(process.argv[2]);
const fs = require('fs');
const zlib = require('zlib');
(async () => {
  const [model, dataDir, outFile] = process.argv.slice(3);
  const raw = zlib.gunzipSync(fs.readFileSync(dataDir + '/t10k-images-idx3-ubyte.gz'));
  const n = raw.readUInt32BE(4), h = raw.readUInt32BE(8), w = raw.readUInt32BE(12);
  const session = await ort.InferenceSession.create(model);
  const out = [];
  for (let start = 0; start < n; start += 500) {
    const b = Math.min(500, n - start);
    const x = new Float32Array(b * h * w);
    for (let i = 0; i < b * h * w; ++i) x[i] = raw[16 + start * h * w + i] / 255;
    const logits = (await session.run({input: new ort.Tensor('float32', x, [b, 1, h, w])})).logits;
    const c = logits.dims[1];
    for (let i = 0; i < b; ++i) {
      let best = 0;
      for (let j = 1; j < c; ++j) if (logits.data[i * c + j] > logits.data[i * c + best]) best = j;
      out.push(best);
    }
  }
  fs.writeFileSync(outFile, out.join('\n') + '\n');
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
