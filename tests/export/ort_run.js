// Runs ONNX models in onnxruntime-node (the test's reference runtime):
//   node ort_run.js ONNXRUNTIME_NODE_DIR MODEL IN.f32 N,C,H,W OUT.f32 [MODEL IN SHAPE OUT]...
// Inputs and outputs are raw little-endian float32; prints each output's dims.
const ort = require(process.argv[2]);
const fs = require('fs');
(async () => {
  const args = process.argv.slice(3);
  for (let i = 0; i + 3 < args.length; i += 4) {
    const [model, inFile, shape, outFile] = args.slice(i, i + 4);
    const buf = fs.readFileSync(inFile);
    const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    const session = await ort.InferenceSession.create(model);
    const out = (await session.run({input: new ort.Tensor('float32', data, shape.split(',').map(Number))})).logits;
    fs.writeFileSync(outFile, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
    console.log(JSON.stringify(out.dims));
  }
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
