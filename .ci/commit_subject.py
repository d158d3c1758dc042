"""Refuse a commit whose subject (its message's first line) is longer than 72 characters.

The git ``commit-msg`` hook of .pre-commit-config.yaml: ``python .ci/commit_subject.py FILE``
(FILE holds the message). Figures and reasons belong in the body, below a blank line.
"""

import sys

LIMIT = 72


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    subject = next((line for line in lines if line.strip()), "")
    if len(subject) > LIMIT:
        print(
            f"commit subject is {len(subject)} characters, at most {LIMIT}: say what changed "
            f"in the subject and put figures and reasons in the body\n  {subject}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
