"""Pure-Python core of Pocket TTS in the browser: runs unchanged in Pyodide and in CPython (stdlib only)."""
