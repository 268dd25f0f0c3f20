# The data of load-tests/replay-bench.sh, pushed to a running `strata serve`:
#   python3 replay_data.py manifests|uploads PORT N
# manifests: one config blob, then N tagged manifest PUTs (500 tags, each moved on and on).
# uploads:   N blobs, each a chunked upload (POST, 3 PATCHes of 2 KiB, PUT ?digest=), and every 10
#            blobs an upload cancelled (DELETE) and a tagged manifest of the last 10: upload-heavy.
import hashlib, http.client, json, os, sys

kind, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def req(method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read()
    return r.status, r.getheader("Location"), data


def put_manifest(repo, tag, config_digest, config_size, layers, annotations=None):
    m = {"schemaVersion": 2, "mediaType": MANIFEST,
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
         "layers": layers}
    if annotations: m["annotations"] = annotations
    st, _, body = req("PUT", "/v2/%s/manifests/%s" % (repo, tag), json.dumps(m).encode(), {"Content-Type": MANIFEST})
    assert st == 201, (st, body)


def then(loc, query):
    return loc + ("&" if "?" in loc else "?") + query


cfg = b'{"bench":true}'
d = "sha256:" + hashlib.sha256(cfg).hexdigest()
repo = "bench/app" if kind == "manifests" else "bench/up"
st, loc, _ = req("POST", "/v2/%s/blobs/uploads/" % repo)
st, _, body = req("PUT", then(loc, "digest=" + d), cfg, {"Content-Type": "application/octet-stream"})
assert st == 201, (st, body)
if kind == "manifests":
    for i in range(n):
        put_manifest(repo, "t%d" % (i % 500), d, len(cfg), [], {"i": str(i)})
elif kind == "uploads":
    layers = []
    for i in range(n):
        parts = [os.urandom(2048) for _ in range(3)]
        h = "sha256:" + hashlib.sha256(b"".join(parts)).hexdigest()
        st, loc, body = req("POST", "/v2/%s/blobs/uploads/" % repo)
        assert st == 202, (st, body)
        for p in parts:
            st, loc, body = req("PATCH", loc, p, {"Content-Type": "application/octet-stream"})
            assert st == 202, (st, body)
        st, _, body = req("PUT", then(loc, "digest=" + h), None)
        assert st == 201, (st, body)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": h, "size": 6144})
        if i % 10 == 9:
            st, loc, body = req("POST", "/v2/%s/blobs/uploads/" % repo)
            st, loc, body = req("PATCH", loc, os.urandom(1024), {"Content-Type": "application/octet-stream"})
            st, _, body = req("DELETE", loc)
            assert st == 204, (st, body)
            put_manifest(repo, "t%d" % i, d, len(cfg), layers[-10:])
else:
    sys.exit("kind must be manifests or uploads, got " + kind)
