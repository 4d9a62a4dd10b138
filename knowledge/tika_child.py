"""The extraction process: Apache Tika (iscc-tika) runs here, never in the web or worker process.

A separate process lets the worker enforce a time limit (by killing it) and survive a parser
crash, and keeps Tika's ~190 MB out of every other process. Imports nothing from Django.
"""


def serve(conn, max_chars):
    from iscc_tika import Extractor

    extractor = Extractor()
    extractor.set_extract_string_max_length(max_chars)
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        try:
            text, metadata = extractor.extract_file_to_string(path)
            conn.send((True, (text, dict(metadata))))
        except Exception as exc:  # every parser failure goes back as a message
            conn.send((False, str(exc)))
