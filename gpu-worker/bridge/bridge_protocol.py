"""The bridge protocol shared by every engine: JSON lines on stdin/stdout, logs on stderr.

bridge -> worker, once ready:  {"type":"ready","engine":..,"engine_version":..,"model":..,"device":..}
worker -> bridge:              {"id":..,"audio":"/path/file.opus","language":null}
bridge -> worker:              {"id":..,"ok":true,"language":..,"duration":..,"segments":[..],"engine":..,"model":..}
                            or {"id":..,"ok":false,"error":"..","retryable":false}
"""
import json
import sys


class TranscriptionError(Exception):
    """A request that failed; ``retryable`` tells the worker whether another attempt may succeed."""

    def __init__(self, message, retryable):
        super().__init__(message)
        self.retryable = retryable


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail_startup(message, code):
    """A clear one-line error on stderr and a non-zero exit, before any ready line."""
    log(message)
    sys.exit(code)


def send(out, obj):
    out.write(json.dumps(obj, separators=(",", ":")) + "\n")
    out.flush()


def serve(engine, stdin=None, stdout=None):
    """Announces readiness, then answers one request per line until stdin closes.

    ``engine`` has ``ready_info()`` (dict) and ``transcribe(audio_path, language)`` returning
    ``{"language", "duration", "segments"}`` or raising TranscriptionError.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    info = engine.ready_info()
    send(stdout, dict(type="ready", **info))
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or "id" not in request or not isinstance(request.get("audio"), str):
                raise ValueError("a request needs an id and an audio path")
        except ValueError as e:
            send(stdout, {"id": None, "ok": False, "error": "invalid request: %s" % e, "retryable": False})
            continue
        rid = request["id"]
        try:
            result = engine.transcribe(request["audio"], request.get("language"))
            answer = {"id": rid, "ok": True, "engine": info.get("engine"), "model": info.get("model")}
            answer.update(result)
            send(stdout, answer)
        except TranscriptionError as e:
            send(stdout, {"id": rid, "ok": False, "error": str(e), "retryable": e.retryable})
        except Exception as e:  # an engine bug must not kill the bridge silently: answer, and let the worker decide
            log("request %s failed: %r" % (rid, e))
            send(stdout, {"id": rid, "ok": False, "error": "%s: %s" % (type(e).__name__, e), "retryable": True})
