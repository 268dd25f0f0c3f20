# Used by load-tests/replay-bench.sh (DATA_KIND=uploads): python3 push_uploads.py PORT N
# Pushes N blobs, each as a chunked upload (POST, 3 PATCHes, PUT ?digest=), plus N/10 uploads left
# cancelled (DELETE) and a tagged manifest every 10 blobs: an upload-heavy event log.
import hashlib, http.client, json, os, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def req(method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read()
    return r.status, r.getheader("Location"), data
cfg = b'{"bench":true}'
dcfg = "sha256:" + hashlib.sha256(cfg).hexdigest()
st, loc, _ = req("POST", "/v2/bench/up/blobs/uploads/?digest=" + dcfg, cfg, {"Content-Type": "application/octet-stream"})
assert st == 201, st
layers = []
for i in range(n):
    parts = [os.urandom(2048) for _ in range(3)]
    h = hashlib.sha256(b"".join(parts)).hexdigest()
    st, loc, body = req("POST", "/v2/bench/up/blobs/uploads/")
    assert st == 202, (st, body)
    for p in parts:
        st, loc, body = req("PATCH", loc, p, {"Content-Type": "application/octet-stream"})
        assert st == 202, (st, body)
    st, _, body = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=sha256:" + h, None)
    assert st == 201, (st, body)
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + h, "size": 6144})
    if i % 10 == 9:
        st, loc, body = req("POST", "/v2/bench/up/blobs/uploads/")
        st, loc, body = req("PATCH", loc, os.urandom(1024), {"Content-Type": "application/octet-stream"})
        st, _, body = req("DELETE", loc)
        assert st == 204, (st, body)
        m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": dcfg, "size": len(cfg)},
            "layers": layers[-10:]}).encode()
        st, _, body = req("PUT", "/v2/bench/up/manifests/t%d" % i, m, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert st == 201, (st, body)
print("pushed", n)
