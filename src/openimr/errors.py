"""The one error type openimr raises for bad input: its message is a single line naming the input and the problem."""


class OpenIMRError(Exception):
    """Bad input or a failed step, with a one-line message fit to show a user.

    `source` names the input (a file, a field, a case) when there is one; `str(error)` then starts with it.
    """

    def __init__(self, problem: str, source: str | None = None) -> None:
        self.problem = " ".join(problem.split())
        self.source = source
        super().__init__(f"{source}: {self.problem}" if source else self.problem)
