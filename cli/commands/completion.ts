// `orch completion bash|zsh`: shell completion for commands, subcommands, flags and
// resource types, generated from the command tree so it never goes stale.

import { Command } from 'commander';
import { RESOURCES } from '../../api/resources.js';

function words(cmd: Command): string[] {
  return [...cmd.commands.map((c) => c.name()), ...cmd.options.map((o) => o.long ?? o.short ?? '').filter(Boolean)];
}

export function bashCompletion(root: Command): string {
  const types = [...new Set(RESOURCES.flatMap((r) => [r.plural, ...r.shortNames]).concat('all'))].join(' ');
  const cases = root.commands
    .map((c) => {
      const subs = words(c).join(' ');
      return `    ${c.name()}) opts="${subs}${['get', 'describe', 'delete'].includes(c.name()) ? ` ${types}` : ''}" ;;`;
    })
    .join('\n');
  return `# orch bash completion: source <(orch completion bash)
_orch() {
  local cur cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${words(root).join(' ')}" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _orch orch
`;
}

export function zshCompletion(root: Command): string {
  return `#compdef orch
# orch zsh completion: source <(orch completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root)}`;
}

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('Print a shell completion script: source <(orch completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashCompletion(root()));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(root()));
      else throw new Error(`unsupported shell "${shell}": use bash or zsh`);
    });
}
