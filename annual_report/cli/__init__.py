"""The command line (typer): parse options, call the library, print in Chinese, choose the exit code.

Owns: the app and its entry point (:mod:`.app`), typer's words in Chinese (:mod:`.chinese`), what
the commands share (:mod:`.common`) and one module per command group (``*_cmd.py``), which also
holds that command's printing. Nothing in the library imports this package.

May import: every stage of the library.
"""
