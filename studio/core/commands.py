"""Commands with undo/redo on a Qt-free stack (after glue's ``Command``/``CommandStack``).

Every user edit (set a project field, set a layer's sparsity, compress) is a :class:`Command` pushed on an
:class:`UndoStack`; the Qt window binds Edit > Undo/Redo to the stack and listens to ``changed``. Keeping the
stack Qt-free lets the core be tested, and the CLI replay edits, without a window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from studio.core.events import EventEmitter


class Command:
    """One undoable edit: subclasses implement :meth:`do` and :meth:`undo`; the menu shows "Undo <text>".

    ``do`` is called by :meth:`UndoStack.push` and again on redo, so it must be repeatable after ``undo``.
    If ``do`` raises, it must leave the state as it was (the stack then records nothing).
    """

    text: str = ""

    def do(self) -> None:
        """Apply the edit."""
        raise NotImplementedError

    def undo(self) -> None:
        """Revert exactly what :meth:`do` applied."""
        raise NotImplementedError

    def merge_with(self, other: Command) -> bool:
        """Absorb ``other`` (already done) into this command and return True, or return False to keep both.

        Why: dragging a slider pushes one command per mouse move; merging them makes one undo step. A merged
        command must undo to the state before ``self`` and redo to the state after ``other``.
        """
        return False


class FunctionCommand(Command):
    """A command from two callables, for edits too small to deserve a class."""

    def __init__(self, text: str, do: Callable[[], None], undo: Callable[[], None]) -> None:
        self.text = text
        self._do = do
        self._undo = undo

    def do(self) -> None:
        self._do()

    def undo(self) -> None:
        self._undo()


class CommandGroup(Command):
    """Several commands as one undo step (e.g. "Apply allocation" setting every layer's sparsity).

    ``do`` runs them in order; if one fails, those already done are undone so the group is all-or-nothing.
    """

    def __init__(self, text: str, commands: Sequence[Command]) -> None:
        self.text = text
        self.commands = list(commands)

    def do(self) -> None:
        done: list[Command] = []
        try:
            for command in self.commands:
                command.do()
                done.append(command)
        except Exception:
            for command in reversed(done):
                command.undo()
            raise

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class UndoStack:
    """History of done commands with a redo tail, a clean mark and an optional size limit.

    ``changed`` is emitted (no arguments) after every push, undo, redo, clear or clean-mark change;
    ``clean_changed(is_clean)`` only when :attr:`is_clean` flips (the window's title asterisk).
    ``limit`` (0 = unlimited) drops the oldest commands; if the clean state is dropped, the stack can no
    longer become clean by undoing.
    """

    def __init__(self, limit: int = 0) -> None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        self.limit = limit
        self._commands: list[Command] = []
        self._index = 0  # commands[:index] are done, commands[index:] are the redo tail
        self._clean_index: int | None = 0
        self._merge_open = False  # merging only continues an uninterrupted series of pushes
        self.changed = EventEmitter("undo_stack.changed")
        self.clean_changed = EventEmitter("undo_stack.clean_changed")

    # -- editing -----------------------------------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Execute ``command.do()`` and record it, dropping the redo tail.

        If ``do`` raises, the exception propagates and the stack is unchanged. If the previous push can
        absorb this command (:meth:`Command.merge_with`), the two become one undo step, except across the
        clean mark, so "saved" always names a real state.
        """
        command.do()
        was_clean = self.is_clean
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state was in the tail we just dropped
        top = self._commands[-1] if self._commands else None
        if self._merge_open and top is not None and self._clean_index != self._index and top.merge_with(command):
            pass
        else:
            self._commands.append(command)
            self._index += 1
            self._trim()
        self._merge_open = True
        self._announce(was_clean)

    def undo(self) -> None:
        """Undo the last done command (no-op when there is none). If its ``undo`` raises, nothing moves."""
        if not self.can_undo:
            return
        was_clean = self.is_clean
        self._commands[self._index - 1].undo()
        self._index -= 1
        self._merge_open = False
        self._announce(was_clean)

    def redo(self) -> None:
        """Redo the next command (no-op when there is none). If its ``do`` raises, nothing moves."""
        if not self.can_redo:
            return
        was_clean = self.is_clean
        self._commands[self._index].do()
        self._index += 1
        self._merge_open = False
        self._announce(was_clean)

    def end_merge(self) -> None:
        """Stop the next push from merging into the current top (call on slider release)."""
        self._merge_open = False

    def clear(self) -> None:
        """Forget all history (a new project was opened); the empty stack is clean."""
        was_clean = self.is_clean
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self._merge_open = False
        self._announce(was_clean)

    # -- clean state -------------------------------------------------------------------------------------
    def set_clean(self) -> None:
        """Mark the current state as saved."""
        was_clean = self.is_clean
        self._clean_index = self._index
        self._merge_open = False
        self._announce(was_clean)

    @property
    def is_clean(self) -> bool:
        """True when the state equals the one last marked with :meth:`set_clean`."""
        return self._clean_index == self._index

    @property
    def clean_index(self) -> int | None:
        """Index of the saved state, or ``None`` when no reachable state is the saved one."""
        return self._clean_index

    # -- queries -----------------------------------------------------------------------------------------
    @property
    def index(self) -> int:
        """Number of commands currently done."""
        return self._index

    def __len__(self) -> int:
        """Number of commands held (done plus redo tail)."""
        return len(self._commands)

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        """Text of the command :meth:`undo` would revert, or "" (the menu shows "Undo <text>")."""
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        """Text of the command :meth:`redo` would apply, or ""."""
        return self._commands[self._index].text if self.can_redo else ""

    def texts(self) -> list[str]:
        """Texts of every held command, oldest first (for a history view)."""
        return [command.text for command in self._commands]

    # -- internals ---------------------------------------------------------------------------------------
    def _trim(self) -> None:
        if not self.limit or len(self._commands) <= self.limit:
            return
        excess = len(self._commands) - self.limit
        del self._commands[:excess]
        self._index -= excess
        if self._clean_index is not None:
            self._clean_index -= excess
            if self._clean_index < 0:
                self._clean_index = None

    def _announce(self, was_clean: bool) -> None:
        self.changed.emit()
        if was_clean != self.is_clean:
            self.clean_changed.emit(self.is_clean)
