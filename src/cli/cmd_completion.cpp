// hwnas completion bash: a bash completion script generated from the
// subcommands and flags the binary itself registers, so it never goes stale.
#include <iostream>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas::cli {

namespace {

std::string words_of(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) words.push_back("--" + l);
    for (const auto& s : o->get_snames()) words.push_back("-" + s);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    words.push_back(sub->get_name());
  return join(words, " ");
}

std::string bash_script(const CLI::App& app) {
  std::string cases;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    cases += "    \"" + sub->get_name() + "\") words=\"" + words_of(*sub) + "\" ;;\n";
    for (const CLI::App* leaf : sub->get_subcommands([](const CLI::App*) { return true; }))
      cases += "    \"" + sub->get_name() + " " + leaf->get_name() + "\") words=\"" +
               words_of(*leaf) + "\" ;;\n";
  }
  return "# bash completion for hwnas: hwnas completion bash > ~/.local/share/bash-completion/"
         "completions/hwnas\n"
         "_hwnas() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path=\"\" i w "
         "words\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    [[ $w == -- ]] && break\n"
         "    [[ $w == -* ]] && continue\n"
         "    case \"${path:+$path }$w\" in\n" +
         cases +
         "    *) continue ;;\n"
         "    esac\n"
         "    path=\"${path:+$path }$w\"\n"
         "  done\n"
         "  case \"$path\" in\n"
         "    \"\") words=\"" +
         words_of(app) + "\" ;;\n" + cases +
         "  esac\n"
         "  # A flag's value: file names.\n"
         "  if [[ $cur != -* && $prev == --* && $prev != --json && $prev != --force ]]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o default -F _hwnas hwnas\n";
}

}  // namespace

void register_completion(CLI::App& app, Context& ctx) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script (bash)");
  cmd->add_option("shell", *shell, "The shell: bash")->required();
  cmd->callback([shell, &app, &ctx] {
    ctx.run = [shell, &app] {
      if (*shell != "bash")
        throw InputError("completion", "expected the shell bash, got " + *shell);
      std::cout << bash_script(app);
    };
  });
}

}  // namespace hwnas::cli
