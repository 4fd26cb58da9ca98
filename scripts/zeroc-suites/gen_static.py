#!/usr/bin/env python3
# Generates /tmp/zg/staticcases.py from ZeroC's staticFiltering/test.py case tables.
import textwrap
src=open('/tmp/zg/cpp/test/Glacier2/staticFiltering/test.py').read()
a=src.index('        testcases = [')
b=src.index('        if not limitedTests:')
c=src.index('        if len(testcases) == 0:')
base=src[a:b]; ext=src[b:c]
out='''# Generated from cpp/test/Glacier2/staticFiltering/test.py (Ice 3.7.8) by gen_static.py; exec()'d by zgrun.py.
# This host: hostname "vm", getfqdn() "localhost" (no dot) => ZeroC's test.py sets limitedTests=True and
# runs only the first 5 cases. The "ext:" cases are run too with hostname="vm" (resolves to 127.0.0.1)
# and a fake unresolvable fqdn "vm.zg.invalid" (only used where it must be rejected);
# "domain filter rule (accept)" is skipped since it needs a resolvable FQDN.
def _static():
    global ok
    hostname = "127.0.0.1"; fqdn = ""; domainname = ""
'''+textwrap.indent(textwrap.dedent(base),'    ')+'''    limited = list(testcases)
    hostname = "vm"; fqdn = "vm.zg.invalid"; domainname = "zg.invalid"
    testcases = []
    limitedTests = False
'''+textwrap.indent(textwrap.dedent(ext),'    ')+'''    ext = [t for t in testcases if t[0] != 'testing domain filter rule (accept)']
    for i, (tcs, host) in enumerate(((limited, "127.0.0.1"), (ext, "vm"))):
        for (desc, tcArgs, attacks, xtra) in tcs:
            name = ("ext: " if i else "") + desc
            if not want(name): continue
            run_static(name, tcArgs, attacks, xtra, host)

def run_static(name, tcArgs, attacks, xtraConfig, hostname):
    global ok
    acceptFilter, rejectFilter, maxEndpoints, categoryFilter, idFilter, adapterFilter = tcArgs
    d = f"{WORK}/{re.sub('[^A-Za-z0-9]+','_',name)}"; os.makedirs(d, exist_ok=True)
    with open(d + "/client.cfg", "w") as f:
        acc = rej = 0
        for expect, proxy in attacks:
            if expect: f.write(f"Accept.Proxy.{acc}="); acc += 1
            else: f.write(f"Reject.Proxy.{rej}="); rej += 1
            f.write(proxy + "\\n")
    with open(d + "/server.cfg", "w") as f:
        f.write("BackendAdapter.Endpoints=tcp -p 12010\\n")
    with open(d + "/router.cfg", "w") as f:
        f.write("Ice.Default.Locator=locator:tcp -h %s -p 12010\\n" % hostname)
        f.write("Glacier2.Client.Trace.Reject=0\\n#\\n")
        for l in xtraConfig: f.write(l + "\\n")
        if acceptFilter: f.write("Glacier2.Filter.Address.Accept=%s\\n" % acceptFilter)
        if rejectFilter: f.write("Glacier2.Filter.Address.Reject=%s\\n" % rejectFilter)
        if maxEndpoints: f.write("Glacier2.Filter.ProxySizeMax=%s\\n" % maxEndpoints)
        if categoryFilter: f.write("Glacier2.Filter.Category.Accept=%s\\n" % categoryFilter)
        if idFilter: f.write("Glacier2.Filter.Identity.Accept=%s\\n" % idFilter)
        if adapterFilter: f.write("Glacier2.Filter.AdapterId.Accept=%s\\n" % adapterFilter)
    ok &= run_case(re.sub('[^A-Za-z0-9]+','_',name),
                   {"Ice.Config": d + "/router.cfg", "Glacier2.RoutingTable.MaxSize": "10", "Ice.Default.Host": ""},
                   serverProps={"Ice.Config": d + "/server.cfg", "Ice.Warn.Connections": "0", "Ice.Default.Host": ""},
                   clientProps={"Ice.Config": d + "/client.cfg", "Ice.Warn.Connections": "0"}, cwd=d)
_static()
'''
open('/tmp/zg/staticcases.py','w').write(out)
