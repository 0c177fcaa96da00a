#!/usr/bin/env python3
"""Drives examples/http's service on a loopback port with urllib: queries
with reasons, updates, bad ids and bad parameters (4xx with a JSON error);
then stops it with SIGTERM.

usage: test_http.py PATH/TO/smartmatch-http PATH/TO/cadses_smes.csv
"""
import json
import re
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

SERVER = DATA = None


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen([SERVER, "--data", DATA, "--port", "0"], stderr=subprocess.PIPE, text=True)
        line = cls.proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            cls.proc.kill()
            raise AssertionError(f"no address in {line!r}")
        cls.base = f"http://127.0.0.1:{m.group(1)}"

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        assert cls.proc.wait(timeout=60) == 0
        cls.proc.stderr.close()

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_match_with_reasons(self):
        code, body = self.call("GET", "/match?id=CZ-00032&k=3&preset=balanced")
        self.assertEqual(code, 200)
        m = body[0]["matches"][0]
        self.assertEqual(m["id"], "SK-00038")
        self.assertEqual(m["gives"][0]["tag"], "titanium laser welding")
        self.assertEqual(m["reasons"]["complementarity"]["text"],
                         "CZ-00032 offers what SK-00038 needs: titanium laser welding; back: titanium five-axis fixtures")
        self.assertAlmostEqual(sum(m["contributions"].values()), m["score"], places=12)
        code, body = self.call("GET", "/match?id=CZ-00032&k=5&cross_border=1")
        self.assertEqual(code, 200)
        self.assertTrue(all(not x["id"].startswith("CZ-") for x in body[0]["matches"]))

    def test_explain(self):
        code, body = self.call("GET", "/explain?a=CZ-00032&b=SK-00038")
        self.assertEqual(code, 200)
        self.assertEqual(body[0]["matches"][0]["reasons"]["region_reach"]["code"], "cross_border")

    def test_bad_requests(self):
        for path, want in [("/match?id=NOPE", 404), ("/match?id=CZ-00032&k=-1", 400), ("/match?id=CZ-00032&k=x", 400),
                           ("/match?id=CZ-00032&preset=nosuch", 400), ("/match?id=CZ-00032&cross_border=2", 400),
                           ("/match", 400), ("/explain?a=CZ-00032", 400), ("/explain?a=CZ-00032&b=NOPE", 404),
                           ("/explain?a=CZ-00032&b=CZ-00032", 400), ("/nowhere", 404)]:
            code, body = self.call("GET", path)
            self.assertEqual(code, want, path)
            self.assertIn("error", body)
            self.assertIn("status", body)
        code, body = self.call("DELETE", "/smes/NOPE")
        self.assertEqual(code, 404)
        code, body = self.call("PUT", "/smes/X-1", {"name": "x", "region": "ZZ999", "sectors": ["25.62"]})
        self.assertEqual(code, 422)
        self.assertIn("ZZ999", body["error"])
        req = urllib.request.Request(self.base + "/smes/X-1", method="PUT", data=b"{not json")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=60)
        self.assertEqual(e.exception.code, 400)

    def test_put_then_delete(self):
        sme = {"name": "Laser Lab", "region": "SK021", "sectors": ["28.41"], "size": "small",
               "offers": ["titanium five-axis fixtures"], "needs": ["titanium laser welding"],
               "cooperation": ["subcontracting"], "languages": ["en"]}
        code, body = self.call("PUT", "/smes/SK-NEW", sme)
        self.assertEqual((code, body["result"]), (201, "created"))
        code, body = self.call("PUT", "/smes/SK-NEW", sme)
        self.assertEqual((code, body["result"]), (200, "replaced"))
        code, body = self.call("GET", "/match?id=CZ-00032&k=5")
        self.assertIn("SK-NEW", [m["id"] for m in body[0]["matches"]])
        code, body = self.call("DELETE", "/smes/SK-NEW")
        self.assertEqual((code, body["result"]), (200, "removed"))
        code, body = self.call("GET", "/explain?a=CZ-00032&b=SK-NEW")
        self.assertEqual(code, 404)


if __name__ == "__main__":
    SERVER, DATA = sys.argv.pop(1), sys.argv.pop(1)
    unittest.main()
