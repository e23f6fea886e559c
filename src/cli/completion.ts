import { Command, Option } from 'commander';
import { CliIo } from './io';
import { UsageError } from './usage-error';

/** One command of the tree, as completion sees it. */
interface CompletedCommand {
  /** Its path by full names (`submit genericjob`); `''` for the program. */
  readonly path: string;
  /** The words that may follow it: subcommands and flags. */
  readonly words: string[];
  /** The path of each way to type it after its parent: its name and its aliases (`submit gj`). */
  readonly typed: string[];
  /** The options with a fixed set of values (commander `choices`): their flags and values. */
  readonly choices: Array<{ readonly flags: string[]; readonly values: string[] }>;
}

/** A subcommand's path: its parent's, then its name (or an alias). */
const childPath = (parent: string, name: string) => (parent ? `${parent} ${name}` : name);

/** `command` and its subcommands, depth first; `parent` is the path of its parent, none for the program. */
function completedCommands(command: Command, parent?: string, out: CompletedCommand[] = []): CompletedCommand[] {
  const path = parent === undefined ? '' : childPath(parent, command.name());
  const options = command.options.filter((o: Option) => !o.hidden);
  out.push({
    path,
    words: [...command.commands.map((c) => c.name()), ...options.map((o) => o.long).filter((l): l is string => l !== undefined), '--help'],
    typed: parent === undefined ? [] : [command.name(), ...command.aliases()].map((n) => childPath(parent, n)),
    choices: options.filter((o) => o.argChoices !== undefined)
      .map((o) => ({ flags: [o.short, o.long].filter((f): f is string => f !== undefined), values: o.argChoices! })),
  });
  for (const sub of command.commands) completedCommands(sub, path, out);
  return out;
}

/**
 * A bash completion script for `program`: subcommands (an alias, e.g. `submit aw`, completes as
 * its command), then the flags of the command typed so far, or the values of the option before
 * the cursor when it has a fixed set (`--type`, `-o`, `--for`).
 */
export function bashCompletion(program: Command): string {
  const commands = completedCommands(program);
  const steps = commands.flatMap((c) => c.typed.map((t) => `      "${t}") path="${c.path}" ;;`)).join('\n');
  const values = commands.flatMap((c) => c.choices.map((o) => `    ${o.flags.map((f) => `"${c.path}:${f}"`).join('|')}) words="${o.values.join(' ')}" ;;`)).join('\n');
  const words = commands.map((c) => `        "${c.path}") words="${c.words.join(' ')}" ;;`).join('\n');
  return `# kubejobs bash completion: source <(kubejobs completion bash)
_kubejobs() {
  local cur prev path="" w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    # Only subcommands and their aliases extend the path, which names commands by their full
    # names; flags and their values do not.
    case "\${path:+$path }$w" in
${steps}
    esac
  done
  # \`--type=lo\`: bash splits the word at '=' (COMP_WORDBREAKS), so the option is one word back.
  local option="$prev" value="$cur"
  if [[ "$cur" == "=" ]]; then value=""; elif [[ "$prev" == "=" ]]; then option="\${COMP_WORDS[COMP_CWORD-2]}"; fi
  case "$path:$option" in
${values}
    *)
      # Not the value of such an option: the subcommands and flags of the command typed so far.
      value="$cur"
      case "$path" in
${words}
        *) words="" ;;
      esac ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$value") )
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
