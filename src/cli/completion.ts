import { Command, Option } from 'commander';
import { CliIo } from './io';
import { UsageError } from './usage-error';

/** Subcommand path (`submit genericjob`) -> the words that may follow it: subcommands and flags. */
function wordsByPath(command: Command, prefix: string[] = [], out = new Map<string, string[]>()): Map<string, string[]> {
  const options = command.options.map((o: Option) => o.long).filter((l): l is string => l !== undefined);
  out.set(prefix.join(' '), [...command.commands.map((c) => c.name()), ...options, '--help']);
  for (const sub of command.commands) wordsByPath(sub, [...prefix, sub.name()], out);
  return out;
}

/** A bash completion script for `program`: subcommands, then the flags of the command typed so far. */
export function bashCompletion(program: Command): string {
  const paths = [...wordsByPath(program).keys()].filter((p) => p !== '').map((p) => `"${p}"`).join('|');
  const cases = [...wordsByPath(program)].map(([path, words]) => `    "${path}") words="${words.join(' ')}" ;;`).join('\n');
  return `# kubejobs bash completion: source <(kubejobs completion bash)
_kubejobs() {
  local cur path="" w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    # Only subcommands extend the path; flags and their values do not.
    local next="\${path:+$path }$w"
    case "$next" in ${paths}) path="$next" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _kubejobs kubejobs
`;
}

/** A zsh completion script: the bash one through zsh's bashcompinit. */
export function zshCompletion(program: Command): string {
  return `# kubejobs zsh completion: source <(kubejobs completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

/** `kubejobs completion bash|zsh`. */
export function completionCommand(io: CliIo, root: () => Command): Command {
  return new Command('completion')
    .description('Print a shell completion script for bash or zsh.')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', '\nExample:\n  source <(kubejobs completion bash)')
    .action((shell: string) => {
      if (shell === 'bash') io.out(bashCompletion(root()));
      else if (shell === 'zsh') io.out(zshCompletion(root()));
      else throw new UsageError(`unknown shell '${shell}': use bash or zsh`);
    });
}
