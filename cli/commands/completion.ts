// `orch completion bash|zsh|fish`: shell completion scripts. They ask the binary itself
// (`orch __complete WORD...`, cli/complete.ts) for candidates, so commands, flags and
// resource types never go stale, and object names come from the server.

import { Command } from 'commander';

/**
 * bash: the words come from COMP_LINE up to the cursor (split on blanks only, so
 * `--output=ya` and `deploy/we` stay whole); candidates are trimmed back to bash's own
 * current word, which ends at '=' or ':' (COMP_WORDBREAKS).
 */
export function bashCompletion(): string {
  return `# orch bash completion: source <(orch completion bash)
_orch() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -r -a words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local cur="\${words[\${#words[@]}-1]}"
  local prefix=""
  [[ "$cur" == *[=:]* ]] && prefix="\${cur%[=:]*}" && prefix="\${prefix}\${cur:\${#prefix}:1}"
  local IFS=$'\\n'
  local -a out
  out=( $("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) )
  COMPREPLY=()
  local c
  for c in "\${out[@]}"; do COMPREPLY+=("\${c#"$prefix"}"); done
  # Values that end in '=' (jsonpath=) are continued, not finished with a space.
  [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == *= ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _orch orch
`;
}

export function zshCompletion(): string {
  return `#compdef orch
# orch zsh completion: source <(orch completion zsh)
_orch_zsh() {
  local -a out
  out=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,$CURRENT]}" 2>/dev/null)}")
  out=("\${(@)out:#}")
  compadd -Q -- "\${out[@]}"
}
compdef _orch_zsh orch
`;
}

export function fishCompletion(): string {
  return `# orch fish completion: orch completion fish | source
function __orch_complete
    set -l tokens (commandline -opc) (commandline -ct)
    $tokens[1] __complete $tokens[2..-1] 2>/dev/null
end
complete -c orch -f -a '(__orch_complete)'
`;
}

export function completionCommand(): Command {
  return new Command('completion')
    .description('Print a shell completion script: source <(orch completion bash), source <(orch completion zsh), orch completion fish | source')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      const scripts: Record<string, () => string> = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };
      const script = scripts[shell];
      if (!script) throw new Error(`unsupported shell "${shell}": use bash, zsh or fish`);
      process.stdout.write(script());
    });
}
