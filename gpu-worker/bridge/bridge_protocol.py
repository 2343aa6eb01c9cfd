"""The bridge protocol shared by every engine: JSON lines on stdin/stdout, logs on stderr.

bridge -> worker, once ready:  {"type":"ready","engine":..,"engine_version":..,"model":..,"device":..}

Transcription bridges (serve):
worker -> bridge:              {"id":..,"audio":"/path/file.opus","language":null}
bridge -> worker:              {"id":..,"ok":true,"language":..,"duration":..,"segments":[..],"engine":..,"model":..}
                            or {"id":..,"ok":false,"error":"..","retryable":false}

Labeller bridges (serve_labels):
worker -> bridge:              {"id":..,"policy":"<policy text>","content":"<transcript text>"}
bridge -> worker:              {"id":..,"ok":true,"label":0|1,"score":0.0..1.0,"chunks":n,"evidence":[..],"engine":..,"model":..}
                            or {"id":..,"ok":false,"error":"..","retryable":true}
"""
import json
import sys


class BridgeError(Exception):
    """A request that failed; ``retryable`` tells the worker whether another attempt may succeed."""

    def __init__(self, message, retryable):
        super().__init__(message)
        self.retryable = retryable


TranscriptionError = BridgeError


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
    """A transcription bridge: ``engine`` has ``ready_info()`` (dict) and ``transcribe(audio_path, language)``
    returning ``{"language", "duration", "segments"}`` or raising BridgeError."""
    def valid(request):
        return isinstance(request.get("audio"), str)
    _serve(engine.ready_info(), valid, "an id and an audio path",
           lambda request: engine.transcribe(request["audio"], request.get("language")), stdin, stdout)


def serve_labels(engine, stdin=None, stdout=None):
    """A labeller bridge: ``engine`` has ``ready_info()`` (dict) and ``label(policy_text, content)`` returning
    ``{"label", "score", "chunks", "evidence"}`` or raising BridgeError."""
    def valid(request):
        return isinstance(request.get("policy"), str) and isinstance(request.get("content"), str)
    _serve(engine.ready_info(), valid, "an id, a policy and a content",
           lambda request: engine.label(request["policy"], request["content"]), stdin, stdout)


def _serve(info, valid, needs, answer_to, stdin, stdout):
    """Announces readiness, then answers one request per line until stdin closes."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    send(stdout, dict(type="ready", **info))
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or "id" not in request or not valid(request):
                raise ValueError("a request needs " + needs)
        except ValueError as e:
            send(stdout, {"id": None, "ok": False, "error": "invalid request: %s" % e, "retryable": False})
            continue
        rid = request["id"]
        try:
            result = answer_to(request)
            answer = {"id": rid, "ok": True, "engine": info.get("engine"), "model": info.get("model")}
            answer.update(result)
            send(stdout, answer)
        except BridgeError as e:
            send(stdout, {"id": rid, "ok": False, "error": str(e), "retryable": e.retryable})
        except Exception as e:  # an engine bug must not kill the bridge silently: answer, and let the worker decide
            log("request %s failed: %r" % (rid, e))
            send(stdout, {"id": rid, "ok": False, "error": "%s: %s" % (type(e).__name__, e), "retryable": True})
