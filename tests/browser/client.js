/* global Ice, Glacier2, Demo */
// Runs once the page loads; see index.html. Query: router=<proxy>&callback=<proxy>.
"use strict";

async function report(text) {
    document.getElementById("result").textContent = text;
    await fetch("/result", { method: "POST", body: text });
}

function within(ms, promise, what) {
    return Promise.race([
        promise,
        new Promise((_, reject) => setTimeout(() => reject(new Error(what + " timed out")), ms)),
    ]);
}

class CallbackReceiverI extends Demo.CallbackReceiver {
    constructor(onCallback) {
        super();
        this.onCallback = onCallback;
    }

    callback() {
        this.onCallback();
    }
}

async function run() {
    const params = new URLSearchParams(window.location.search);
    const initData = new Ice.InitializationData();
    initData.properties = Ice.createProperties();
    initData.properties.setProperty("Ice.Default.Router", params.get("router"));
    const communicator = Ice.initialize(initData);
    try {
        const router = await Glacier2.RouterPrx.checkedCast(communicator.getDefaultRouter());
        if (!router) {
            throw new Error("not a Glacier2 router");
        }
        await router.createSession("browser", "secret");
        const category = await router.getCategoryForClient();
        const adapter = await communicator.createObjectAdapterWithRouter("", router);
        let called;
        const callback = new Promise((resolve) => { called = resolve; });
        const identity = new Ice.Identity("callbackReceiver", category);
        const receiver = Demo.CallbackReceiverPrx.uncheckedCast(
            adapter.add(new CallbackReceiverI(called), identity));
        const server = Demo.CallbackPrx.uncheckedCast(
            communicator.stringToProxy(params.get("callback")));
        await server.initiateCallback(receiver);
        await within(20000, callback, "the callback");
        await router.destroySession();
        return "OK";
    } finally {
        await communicator.destroy();
    }
}

window.addEventListener("load", () => {
    run().then(report, (e) => report("ERROR " + (e && e.stack ? e.stack : e)));
});
