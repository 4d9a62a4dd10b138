"""The extraction process: Apache Tika (iscc-tika) runs here, never in the web or worker process.

A separate process lets the worker enforce a time limit (by killing it) and survive a parser
crash, and keeps Tika's ~190 MB out of every other process. Imports nothing from Django.
Protocol on stdin/stdout: one JSON request line; replies are an 8-byte length then JSON.
"""
import json
import sys


def send(stream, ok, payload):
    data = json.dumps([ok, payload], ensure_ascii=False).encode("utf-8")
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def main():
    from iscc_tika import Extractor

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    extractor = None
    for line in requests:
        request = json.loads(line)
        if extractor is None:
            extractor = Extractor()
            extractor.set_extract_string_max_length(request["max_chars"])
        try:
            text, metadata = extractor.extract_file_to_string(request["path"])
            send(replies, True, [text, dict(metadata)])
        except Exception as exc:  # every parser failure goes back as a message
            send(replies, False, str(exc))


if __name__ == "__main__":
    main()
