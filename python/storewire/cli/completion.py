"""``storewire completion bash|zsh``: a completion script made from the parser itself, so
it never goes out of date (commands, their options, then files)."""

from __future__ import annotations

import argparse

__all__ = ["add_commands", "script"]

_BASH = """# storewire completion for bash: eval "$(storewire completion bash)"
_storewire() {
    local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in -*) ;; *) cmd="${COMP_WORDS[i]}"; break ;; esac
    done
    if [[ -z "$cmd" ]]; then
        COMPREPLY=($(compgen -W "%(commands)s" -- "$cur"))
        return
    fi
    case "$cmd" in
%(cases)s
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [[ "$cur" == *://* ]]; then
        COMPREPLY=()
    else
        COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "%(schemes)s" -- "$cur"))
    fi
}
complete -o nospace -o default -F _storewire storewire
"""

_ZSH = """# storewire completion for zsh: eval "$(storewire completion zsh)"
autoload -U +X bashcompinit && bashcompinit
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (``bash`` or ``zsh``)."""
    from storewire.stores import SCHEMES

    commands = _subparsers(parser)
    cases = []
    for name, sub in commands.items():
        opts = sorted(o for a in sub._actions for o in a.option_strings)
        cases.append(f'        {name}) local opts="{" ".join(opts)}" ;;')
    text = _BASH % {"commands": " ".join(commands), "cases": "\n".join(cases),
                    "schemes": " ".join(f"{s}://" for s in SCHEMES)}
    return (_ZSH + text) if shell == "zsh" else text


def add_commands(sub: argparse._SubParsersAction, root: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "completion", help="print a shell completion script (bash or zsh)",
        description='Print a completion script. bash: eval "$(storewire completion bash)" '
        "in ~/.bashrc; zsh: the same with zsh in ~/.zshrc.")
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(func=lambda a: print(script(root, a.shell), end="") or 0)
