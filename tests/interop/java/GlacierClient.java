// A ZeroC Ice for Java 3.7 client that uses a Glacier2 router the way Java applications do,
// then stops the router through its admin object, as ZeroC's test harness does.
//
// Usage: GlacierClient --router PROXY --backend-port N --process PROXY [--Ice.X=Y ...]
//
// The router uses the null permissions verifier and server endpoints (callbacks); the back
// end is lab_server.py (Slice: ../slice/Hello.ice). Prints `OK <step>` per step and exits
// with status 1 at the first failure (`FAIL <step>: <reason>`).

import com.zeroc.Ice.Communicator;
import com.zeroc.Ice.Identity;
import com.zeroc.Ice.InitializationData;
import com.zeroc.Ice.ObjectAdapter;
import com.zeroc.Ice.ProcessPrx;
import com.zeroc.Ice.Util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

public class GlacierClient {
    private static String step = "start";

    private static void ok() {
        System.out.println("OK " + step);
        System.out.flush();
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    public static void main(String[] args) {
        String router = null, process = null;
        int backendPort = 0;
        List<String> ice = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--router": router = args[++i]; break;
                case "--process": process = args[++i]; break;
                case "--backend-port": backendPort = Integer.parseInt(args[++i]); break;
                default: ice.add(args[i]);
            }
        }
        try {
            run(router, backendPort, process, ice);
        } catch (Throwable e) {
            System.out.println("FAIL " + step + ": " + e);
            System.out.flush();
            System.exit(1);
        }
    }

    private static Communicator communicator(List<String> ice, String router) {
        InitializationData init = new InitializationData();
        init.properties = Util.createProperties();
        init.properties.setProperty("Ice.Warn.Connections", "0");
        if (router != null) {
            init.properties.setProperty("Ice.Default.Router", router);
        }
        // The --Ice.X=Y options override those defaults.
        init.properties = Util.createProperties(ice.toArray(new String[0]), init.properties);
        return Util.initialize(init);
    }

    private static void run(String routerProxy, int backendPort, String process, List<String> ice)
        throws Exception {
        try (Communicator c = communicator(ice, routerProxy)) {
            step = "create_session";
            com.zeroc.Glacier2.RouterPrx router =
                com.zeroc.Glacier2.RouterPrx.checkedCast(c.getDefaultRouter());
            check(router != null, "not a Glacier2 router");
            router.createSession("java", "any");
            ok();

            step = "routed_call";
            Lab.HelloPrx hello = Lab.HelloPrx.uncheckedCast(
                c.stringToProxy("hello:tcp -h 127.0.0.1 -p " + backendPort));
            String greeting = hello.sayHello("java");
            check(greeting.equals("Hello, java!"), "sayHello returned " + greeting);
            ok();

            step = "callback";
            ObjectAdapter adapter = c.createObjectAdapterWithRouter("", router);
            adapter.activate();
            CompletableFuture<String> received = new CompletableFuture<>();
            Lab.Callback servant = (msg, current) -> { received.complete(msg); };
            Identity id = new Identity("callback", router.getCategoryForClient());
            Lab.CallbackPrx cb = Lab.CallbackPrx.uncheckedCast(adapter.add(servant, id));
            hello.subscribe(cb);
            String msg = received.get(10, TimeUnit.SECONDS);
            check(msg.startsWith("callback #"), "callback got " + msg);
            ok();

            step = "destroy_session";
            router.destroySession();
            ok();
        }
        try (Communicator c = communicator(ice, null)) {
            step = "shutdown";
            ProcessPrx.uncheckedCast(c.stringToProxy(process)).shutdown();
            ok();
        }
    }
}
