#!/usr/bin/env python3
"""Mini re-implementation of ZeroC's scripts/Util.py ClientServerTestCase for Glacier2 tests.
usage: zgrun.py ROUTERBIN SUITE [CASE]   (ROUTERBIN = path to glacier2router or glacier)"""
import warnings; warnings.simplefilter("ignore")
import sys, os, subprocess, time, crypt, threading, re, signal

Z = "/tmp/zg"
ROUTER = sys.argv[1]
SUITE = sys.argv[2]
CASEFILTER = sys.argv[3] if len(sys.argv) > 3 else None
MODE = os.environ.get("ZG_MODE", "cmdline")   # cmdline (as test.py) | cfg (router props in an Ice.Config file)
TAG = ("glacier2router" if os.path.basename(ROUTER) == "glacier2router" else "glacier") + ("" if MODE == "cmdline" else "+cfg") + ("+extra" if os.environ.get("ZG_EXTRA") else "")
WORK = f"{Z}/work/{TAG}/{SUITE}"
os.makedirs(WORK, exist_ok=True)

# ZG_PROTOCOL=ssl (or ws, wss) runs a suite over that transport, as test.py --protocol=ssl does:
# every test endpoint and Ice.Default.Protocol use it, and every process gets the SSL properties.
PROTOCOL = os.environ.get("ZG_PROTOCOL", "tcp")
if PROTOCOL != "tcp": TAG += "+" + PROTOCOL
WORK = f"{Z}/work/{TAG}/{SUITE}"
os.makedirs(WORK, exist_ok=True)

def ep(n): return f"{PROTOCOL} -p {12010 + n}"

def ssl_props(cert):
    """The C++ mapping's SSL properties of ZeroC's harness (certificates from make_certs.sh)."""
    return {"Ice.Plugin.IceSSL": "IceSSL:createIceSSL", "IceSSL.Password": "password",
            "IceSSL.DefaultDir": f"{Z}/certs", "IceSSL.CAs": "cacert.pem", "IceSSL.CertFile": cert}
PROTO_SERVER = ssl_props("server.p12") if PROTOCOL != "tcp" else {}
PROTO_CLIENT = ssl_props("client.p12") if PROTOCOL != "tcp" else {}

BASE = {"Ice.Default.Host": "127.0.0.1", "Ice.Warn.Connections": "1", "Ice.Default.Protocol": PROTOCOL,
        "Ice.IPv6": "0", "Ice.NullHandleAbort": "1", "Ice.PrintStackTraces": "1"}
SERVER = {"Ice.ThreadPool.Server.Size": "1", "Ice.ThreadPool.Server.SizeMax": "3",
          "Ice.ThreadPool.Server.SizeWarn": "0", "Ice.PrintAdapterReady": "1"}

def args(props):
    return [f"--{k}={v}" for k, v in props.items()]

class Proc:
    def __init__(self, name, cmd, cwd):
        self.name = name
        self.out = open(f"{WORK}/{name}.log", "w")
        self.out.write("CMD: " + " ".join(repr(c) for c in cmd) + "\n"); self.out.flush()
        self.lines = []
        self.p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, text=True, errors="replace")
        self.t = threading.Thread(target=self._rd, daemon=True); self.t.start()
    def _rd(self):
        for l in self.p.stdout:
            self.lines.append(l); self.out.write(l); self.out.flush()
    def wait_ready(self, n, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if sum(1 for l in self.lines if re.search(r"\S+ ready$", l.rstrip())) >= n: return True
            if self.p.poll() is not None: time.sleep(0.2); return False
            time.sleep(0.05)
        return False
    def wait(self, timeout):
        try: return self.p.wait(timeout)
        except subprocess.TimeoutExpired: return None
    def kill(self):
        if self.p.poll() is None:
            self.p.kill(); self.p.wait()
    def output(self):
        self.t.join(2); return "".join(self.lines)

def passwords(users):
    path = f"{WORK}/passwords"
    with open(path, "w") as f:
        for u, p in users.items():
            f.write(f"{u} {crypt.crypt(p, crypt.mksalt(crypt.METHOD_SHA512, rounds=5000))}\n")
    return path

def run_case(name, routerProps, serverProps=None, clients=([],), serverReady=1, pw={"userid": "abc123"},
             exe=None, serverArgs=(), clientProps=None, cwd=None):
    """Start router, server, run clients in order, stop server then router (each must exit 0 on its own)."""
    exe = exe or SUITE
    bdir = f"{Z}/build/{exe}"
    cwd = cwd or bdir
    rp = dict(BASE); rp.update(SERVER); rp.update(PROTO_SERVER)
    rp.update({"Glacier2.Client.Endpoints": ep(50), "Glacier2.Server.Endpoints": "tcp",
               "Ice.Admin.Endpoints": ep(51), "Ice.Admin.InstanceName": "Glacier2"})
    if pw: rp["Glacier2.CryptPasswords"] = passwords(pw)
    rp.update(routerProps)
    # ZG_EXTRA="A=1;B=2": extra router properties (diagnostics only)
    for kv in filter(None, os.environ.get("ZG_EXTRA", "").split(";")):
        k, v = kv.split("=", 1); rp[k] = v
    sp = dict(BASE); sp.update(SERVER); sp.update(PROTO_SERVER); sp.update(serverProps or {})
    cp = dict(BASE); cp.update(PROTO_CLIENT); cp.update(clientProps or {})
    result, detail = "PASS", ""
    procs = []
    try:
        if MODE == "cfg" and "Ice.Config" not in rp:
            # workaround mode: same properties, but in a config file passed with --Ice.Config
            cfg = f"{WORK}/{name}.router.cfg"
            with open(cfg, "w") as f:
                for k, v in rp.items(): f.write(f"{k}={v}\n")
            r = Proc(f"{name}.router", [ROUTER, f"--Ice.Config={cfg}"], cwd)
        else:
            r = Proc(f"{name}.router", [ROUTER] + args(rp), cwd)
        procs.append(r)
        if not r.wait_ready(2): raise RuntimeError("router not ready:\n" + r.output())
        s = Proc(f"{name}.server", [f"{bdir}/server"] + args(sp) + list(serverArgs), cwd); procs.append(s)
        if not s.wait_ready(serverReady): raise RuntimeError("server not ready:\n" + s.output())
        for i, ca in enumerate(clients):
            c = Proc(f"{name}.client{i}", [f"{bdir}/client"] + args(cp) + list(ca), cwd); procs.append(c)
            rc = c.wait(300)
            if rc != 0: raise RuntimeError(f"client{i} rc={rc}:\n" + c.output())
        for p in (s, r):
            rc = p.wait(30)
            if rc is None: raise RuntimeError(f"{p.name} hanging on shutdown (30s)")
            if rc != 0: raise RuntimeError(f"{p.name} exit rc={rc}:\n" + p.output())
    except RuntimeError as e:
        result, detail = "FAIL", str(e)
    finally:
        for p in procs: p.kill()
        time.sleep(0.3)
    print(f"[{TAG}] {SUITE} / {name}: {result}", flush=True)
    if detail:
        print("   " + detail.replace("\n", "\n   ")[-6000:], flush=True)
        for p in procs:
            print(f"   --- {p.name} output (tail):\n   " + "".join(p.lines[-40:]).replace("\n", "\n   "), flush=True)
    return result == "PASS"

def want(n): return CASEFILTER is None or CASEFILTER in n

ok = True
if SUITE == "router":
    pw = {"userid": "abc123", **{f"userid-{i}": "abc123" for i in range(5)}}
    rp = {"Ice.Warn.Dispatch": "0", "Ice.Warn.Connections": "0", "Glacier2.Filter.Category.Accept": "c1 c2",
          "Glacier2.Filter.Category.AcceptUser": "2", "Glacier2.SessionTimeout": "30"}
    if want("unbuffered"):
        ok &= run_case("unbuffered", {**rp, "Glacier2.Client.Buffered": "0", "Glacier2.Server.Buffered": "0"},
                       pw=pw, clients=(["--shutdown"],))
    if want("buffered") and (CASEFILTER != "unbuffered"):
        ok &= run_case("buffered", {**rp, "Glacier2.Client.Buffered": "1", "Glacier2.Server.Buffered": "1"},
                       pw=pw, clients=([], ["--shutdown"]))
elif SUITE == "sessionControl":
    ok &= run_case("default", {"Glacier2.SessionManager": "SessionManager:" + ep(0),
                               "Glacier2.PermissionsVerifier": "Glacier2/NullPermissionsVerifier"})
elif SUITE == "attack":
    ok &= run_case("default", {"Glacier2.RoutingTable.MaxSize": "10"})
elif SUITE == "override":
    ok &= run_case("default", {"Ice.Warn.Dispatch": "0", "Ice.Warn.Connections": "0", "Ice.TCP.SndSize": "100000",
        "Ice.ThreadPool.Server.Serialize": "1", "Ice.ThreadPool.Client.Serialize": "1",
        "Glacier2.Filter.Category.Accept": 'c', "Glacier2.SessionTimeout": '30',  # test.py's '"c"'/'"30"': quotes are for the shell
        "Glacier2.PermissionsVerifier": "Glacier2/NullPermissionsVerifier", "Glacier2.Client.ForwardContext": "1",
        "Glacier2.Client.Trace.Override": "0", "Glacier2.Client.Trace.Request": "0",
        "Glacier2.Server.Trace.Override": "0", "Glacier2.Server.Trace.Request": "0",
        "Glacier2.Client.Buffered": "1", "Glacier2.Server.Buffered": "1",
        "Glacier2.Client.SleepTime": "50", "Glacier2.Server.SleepTime": "50"})
elif SUITE == "dynamicFiltering":
    ok &= run_case("default", {"Glacier2.SessionManager": "SessionManager:" + ep(0),
                               "Glacier2.PermissionsVerifier": "Glacier2/NullPermissionsVerifier",
                               "Ice.Default.Locator": "locator:" + ep(1)}, pw=None, serverReady=3)
elif SUITE in ("sessionHelper", "application"):
    ok &= run_case("default", {"Glacier2.SessionTimeout": "30"})
elif SUITE == "ssl":
    # test.py's routerProps, with the C++ mapping's SSL properties (ZeroC's test certificates,
    # PKCS#12 with password "password") on the router and the client.
    ssl_ep = "ssl -p 12011"
    rp = {"Ice.Warn.Dispatch": "0", "Glacier2.AddConnectionContext": "1",
          "Glacier2.Client.Endpoints": f"{ep(0)}:{ssl_ep}", "Ice.Admin.Endpoints": ep(2),
          "Glacier2.SessionManager": "sessionmanager:" + ep(3),
          "Glacier2.PermissionsVerifier": "verifier:" + ep(3),
          "Glacier2.SSLSessionManager": "sslsessionmanager:" + ep(3),
          "Glacier2.SSLPermissionsVerifier": "sslverifier:" + ep(3), **ssl_props("server.p12")}
    ok &= run_case("default", rp, pw=None, clientProps=ssl_props("client.p12"))
elif SUITE == "staticFiltering":
    exec(open(f"{Z}/staticcases.py").read())
print(f"[{TAG}] {SUITE} SUITE {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
