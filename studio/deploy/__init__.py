"""Deploy: boards, memory planning, C code generation, firmware build, flashing and on-device validation.

Everything here is Qt-free. Boards are described by :class:`studio.deploy.board.Board` and contributed by
plugins (``registry.add_board``); the studio never imports a board plugin by name.
"""
