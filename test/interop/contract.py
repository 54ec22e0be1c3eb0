"""The served contract, from Python: /openapi.json for REST answers, /asyncapi.json for socket
events and acks, each checked with jsonschema (Debian: python3-jsonschema). Only what the
documents say is used: a route is found by matching the path against the document's templates,
an event by its name in the AsyncAPI messages."""
import jsonschema


def inline(node, root, seen=()):
    """The node with every local $ref (#/...) replaced by what it points to."""
    if isinstance(node, list):
        return [inline(item, root, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in seen:
            raise ValueError(f"circular $ref {ref}")
        target = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        resolved = inline(target, root, seen + (ref,))
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**resolved, **inline(rest, root, seen)} if rest else resolved
    return {key: inline(value, root, seen) for key, value in node.items()}


def schema_problems(schema, value):
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(value)'}: {error.message}"
            for error in validator.iter_errors(value)][:5]


class RestContract:
    """Answers of the server's REST routes against /openapi.json."""

    def __init__(self, document):
        assert document.get("openapi", "").startswith("3.1"), "not an OpenAPI 3.1 document"
        self.document = document
        # Literal segments first: /health/live before a /{id} template could take it.
        self.templates = sorted(document["paths"], key=lambda t: (t.count("{"), t))

    def template(self, path):
        segments = path.split("?")[0].rstrip("/").split("/")
        for template in self.templates:
            parts = template.rstrip("/").split("/")
            if len(parts) == len(segments) and all(
                    p == s or (p.startswith("{") and p.endswith("}") and s) for p, s in zip(parts, segments)):
                return template
        return None

    def problems(self, method, path, status, body):
        """(template, problems): problems is [] when the answer is the one the document gives."""
        template = self.template(path)
        if template is None:
            return None, [f"{path} is not in /openapi.json"]
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            return template, [f"{method} {template} is not in /openapi.json"]
        response = operation.get("responses", {}).get(str(status))
        if response is None:
            return template, [f"{method} {template} does not document the status {status}"]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return template, [f"{method} {template} {status} has no JSON schema"]
        return template, schema_problems(inline(schema, self.document), body)


def payload_schema(message):
    payload = message.get("payload", {})
    # A multi-format schema object: {schemaFormat, schema}.
    return payload["schema"] if isinstance(payload, dict) and "schemaFormat" in payload else payload


class EventContract:
    """Socket.io events and acks against /asyncapi.json. The document is written from the client's
    side: what the server sends are the messages of `receive` operations (a message's `name` is the
    event name), the acks are the replies of `send` operations."""

    def __init__(self, document):
        assert document.get("asyncapi", "").startswith("3."), "not an AsyncAPI 3 document"
        self.events = {}  # event name -> payload schema
        self.acks = {}  # event the client sends -> schema of the server's ack
        for operation in inline(document.get("operations", {}), document).values():
            messages = operation.get("messages", [])
            if operation.get("action") == "receive":
                for message in messages:
                    self.events[message["name"]] = payload_schema(message)
            replies = (operation.get("reply") or {}).get("messages", [])
            if operation.get("action") == "send" and replies:
                for message in messages:
                    self.acks[message["name"]] = {"anyOf": [payload_schema(reply) for reply in replies]}
        assert self.events and self.acks, "no events or acks in the document"

    def event_problems(self, name, payload):
        if name not in self.events:
            return [f"'{name}' is not an event the server sends in /asyncapi.json"]
        return schema_problems(self.events[name], payload)

    def ack_problems(self, name, ack):
        if name not in self.acks:
            return [f"'{name}' has no reply in /asyncapi.json"]
        return schema_problems(self.acks[name], ack)
