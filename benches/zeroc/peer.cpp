// A ZeroC Ice C++ (3.7, C++11 mapping) peer for the end-to-end benchmarks: the same workloads
// as benches/benches/end_to_end.rs, so that ZeroC's numbers stand beside ours in one run.
//
//   peer server                          prints "READY <port>", serves until stdin closes
//   peer client <proxy> <workload> <n>   runs n iterations, prints the elapsed nanoseconds
//   peer routed <router> <proxy> <workload> <n>
//                                        the same through a Glacier2 router (a session first)
//
// Workloads: ping, inflight8, inflight64, echo1k, echo1m, oneway, batch, callback,
// connections100 (each of 100 connections pinged n times by a thread of its own), and, routed
// only, sessions100 (100 communicators, each with its own router session, each pinging n
// times at once).
//
// The server's `bench` object is a Blobject: `echo` returns its in-parameters, every other
// operation (and `ice_ping`) an empty result; `getCount` is not needed since the client ends
// every oneway or batch run with a twoway, which the server dispatches after them on the same
// connection. Its `caller` object (asynchronous, so the server thread is free to read the
// nested reply) answers `callback(Object* cb)` by calling `cb.tick()` first: over the incoming
// connection when `cb` has no endpoints (a bidirectional callback), else as `cb` says (through
// the router's server endpoints when routed).

#include <Glacier2/Glacier2.h>
#include <Ice/Ice.h>
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

class Echo : public Ice::Blobject {
public:
    bool ice_invoke(std::vector<Ice::Byte> in, std::vector<Ice::Byte>& out,
                    const Ice::Current& current) override {
        if (current.operation == "echo") {
            out = std::move(in);
        } else {
            out = {6, 0, 0, 0, 1, 1};  // an empty 1.1 encapsulation
        }
        return true;
    }
};

const std::vector<Ice::Byte> emptyResult = {6, 0, 0, 0, 1, 1};

class Caller : public Ice::BlobjectAsync {
public:
    void ice_invokeAsync(std::vector<Ice::Byte> in,
                         std::function<void(bool, const std::vector<Ice::Byte>&)> response,
                         std::function<void(std::exception_ptr)> error,
                         const Ice::Current& current) override {
        Ice::InputStream stream(current.adapter->getCommunicator(), in);
        stream.startEncapsulation();
        std::shared_ptr<Ice::ObjectPrx> cb;
        stream.read(cb);
        stream.endEncapsulation();
        if (!cb) {
            error(std::make_exception_ptr(Ice::MarshalException(__FILE__, __LINE__, "null callback")));
            return;
        }
        if (cb->ice_getEndpoints().empty() && cb->ice_getAdapterId().empty()) {
            cb = current.con->createProxy(cb->ice_getIdentity());
        }
        cb->ice_invokeAsync(
            "tick", Ice::OperationMode::Normal, emptyResult,
            [response](bool, std::vector<Ice::Byte>) { response(true, emptyResult); },
            [error](std::exception_ptr e) { error(e); });
    }
};

// The client's callback object: `tick` returns nothing.
class Tick : public Ice::Blobject {
public:
    bool ice_invoke(std::vector<Ice::Byte>, std::vector<Ice::Byte>& out, const Ice::Current&) override {
        out = emptyResult;
        return true;
    }
};

// An encapsulation holding a sequence<byte> of `size` bytes.
std::vector<Ice::Byte> byteSeq(std::shared_ptr<Ice::Communicator> c, size_t size) {
    Ice::OutputStream out(c);
    out.startEncapsulation();
    std::vector<Ice::Byte> data(size, 7);
    out.write(data);
    out.endEncapsulation();
    std::vector<Ice::Byte> bytes;
    out.finished(bytes);
    return bytes;
}

int server(const std::shared_ptr<Ice::Communicator>& c) {
    auto adapter = c->createObjectAdapterWithEndpoints("Bench", "tcp -h 127.0.0.1 -p 0");
    adapter->add(std::make_shared<Echo>(), Ice::stringToIdentity("bench"));
    adapter->add(std::make_shared<Caller>(), Ice::stringToIdentity("caller"));
    adapter->activate();
    auto ep = adapter->getEndpoints().front()->getInfo();
    auto ip = std::dynamic_pointer_cast<Ice::IPEndpointInfo>(ep);
    std::cout << "READY " << ip->port << std::endl;
    std::thread([c] {
        std::string line;
        while (std::getline(std::cin, line)) {
        }
        c->shutdown();
    }).detach();
    c->waitForShutdown();
    return 0;
}

// Each of `proxies` pinged `each` times, sequentially, by a thread of its own; returns the
// time from the moment every thread is ready to the last ping's reply.
std::chrono::steady_clock::duration pingInParallel(
    const std::vector<std::shared_ptr<Ice::ObjectPrx>>& proxies, long each) {
    std::promise<void> go;
    std::shared_future<void> started = go.get_future().share();
    std::vector<std::promise<void>> ready(proxies.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < proxies.size(); ++i) {
        threads.emplace_back([p = proxies[i], each, started, &ready, i] {
            ready[i].set_value();
            started.wait();
            for (long k = 0; k < each; ++k) p->ice_ping();
        });
    }
    for (auto& r : ready) r.get_future().wait();
    auto start = std::chrono::steady_clock::now();
    go.set_value();
    for (auto& t : threads) t.join();
    return std::chrono::steady_clock::now() - start;
}

// `callback`'s in-parameters: the proxy of a `Tick` servant the client adds to `adapter`.
std::vector<Ice::Byte> callbackParams(const std::shared_ptr<Ice::Communicator>& c,
                                      const std::shared_ptr<Ice::ObjectAdapter>& adapter,
                                      const Ice::Identity& id) {
    adapter->add(std::make_shared<Tick>(), id);
    adapter->activate();
    Ice::OutputStream out(c);
    out.startEncapsulation();
    out.write(adapter->createProxy(id));
    out.endEncapsulation();
    std::vector<Ice::Byte> bytes;
    out.finished(bytes);
    return bytes;
}

int client(const std::shared_ptr<Ice::Communicator>& c, const std::string& proxy,
           const std::string& workload, long n,
           const std::shared_ptr<Glacier2::RouterPrx>& router = nullptr) {
    auto base = c->stringToProxy(proxy);
    std::vector<Ice::Byte> out;
    const std::vector<Ice::Byte>& empty = emptyResult;
    base->ice_ping();  // connect before timing
    std::vector<std::shared_ptr<Ice::ObjectPrx>> proxies;
    std::vector<Ice::Byte> callback;
    std::shared_ptr<Ice::ObjectPrx> caller;
    if (workload == "connections100") {
        for (int i = 0; i < 100; ++i) {
            proxies.push_back(base->ice_connectionId("c" + std::to_string(i)));
            proxies.back()->ice_ping();
        }
    } else if (workload == "callback") {
        caller = base->ice_identity(Ice::stringToIdentity("caller"));
        if (router) {
            auto adapter = c->createObjectAdapterWithRouter("Callback", router);
            callback = callbackParams(c, adapter, Ice::Identity{"cb", router->getCategoryForClient()});
        } else {
            auto adapter = c->createObjectAdapter("");
            base->ice_getConnection()->setAdapter(adapter);
            callback = callbackParams(c, adapter, Ice::Identity{"cb", ""});
        }
        caller->ice_invoke("callback", Ice::OperationMode::Normal, callback, out);
    }
    auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration elapsed{0};
    if (workload == "ping") {
        for (long i = 0; i < n; ++i) base->ice_ping();
    } else if (workload == "inflight8" || workload == "inflight64") {
        const int depth = workload == "inflight8" ? 8 : 64;
        std::vector<std::future<Ice::Object::Ice_invokeResult>> window;
        long sent = 0;
        while (sent < n) {
            window.clear();
            for (int k = 0; k < depth && sent < n; ++k, ++sent) {
                window.push_back(base->ice_invokeAsync("op", Ice::OperationMode::Normal, empty));
            }
            for (auto& f : window) f.get();
        }
    } else if (workload == "connections100") {
        elapsed = pingInParallel(proxies, n);
    } else if (workload == "callback") {
        for (long i = 0; i < n; ++i) caller->ice_invoke("callback", Ice::OperationMode::Normal, callback, out);
    } else if (workload == "echo1k" || workload == "echo1m") {
        auto params = byteSeq(c, workload == "echo1k" ? 1024 : 1024 * 1024);
        for (long i = 0; i < n; ++i) base->ice_invoke("echo", Ice::OperationMode::Normal, params, out);
    } else if (workload == "oneway") {
        auto oneway = base->ice_oneway();
        for (long i = 0; i < n; ++i) oneway->ice_invoke("tick", Ice::OperationMode::Normal, empty, out);
        base->ice_ping();
    } else if (workload == "batch") {
        auto batch = base->ice_batchOneway();
        for (long i = 0; i < n; ++i) {
            batch->ice_invoke("tick", Ice::OperationMode::Normal, empty, out);
            if (i % 100 == 99) batch->ice_flushBatchRequests();
        }
        batch->ice_flushBatchRequests();
        base->ice_ping();
    } else {
        std::cerr << "unknown workload " << workload << std::endl;
        return 2;
    }
    if (elapsed.count() == 0) elapsed = std::chrono::steady_clock::now() - start;
    std::cout << std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() << std::endl;
    return 0;
}

// 100 communicators, each with a session of its own on `router`, ping `proxy` at once.
int sessions(const Ice::InitializationData& init, const std::string& router,
             const std::string& proxy, long n) {
    std::vector<Ice::CommunicatorHolder> holders;
    std::vector<std::shared_ptr<Ice::ObjectPrx>> proxies;
    for (int i = 0; i < 100; ++i) {
        holders.emplace_back(init);
        auto c = holders.back().communicator();
        auto r = Ice::checkedCast<Glacier2::RouterPrx>(c->stringToProxy(router));
        c->setDefaultRouter(r);
        r->createSession("bench" + std::to_string(i), "bench");
        proxies.push_back(c->stringToProxy(proxy));
        proxies.back()->ice_ping();
    }
    auto elapsed = pingInParallel(proxies, n);
    std::cout << std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        Ice::InitializationData init;
        init.properties = Ice::createProperties();
        init.properties->setProperty("Ice.MessageSizeMax", "0");
        Ice::CommunicatorHolder holder(init);
        auto c = holder.communicator();
        std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "server") return server(c);
        if (mode == "client" && argc == 5) return client(c, argv[2], argv[3], std::stol(argv[4]));
        if (mode == "routed" && argc == 6 && std::string(argv[4]) == "sessions100") {
            return sessions(init, argv[2], argv[3], std::stol(argv[5]));
        }
        if (mode == "routed" && argc == 6) {
            auto router = Ice::checkedCast<Glacier2::RouterPrx>(c->stringToProxy(argv[2]));
            c->setDefaultRouter(router);
            router->createSession("bench", "bench");
            return client(c, argv[3], argv[4], std::stol(argv[5]), router);
        }
        std::cerr << "usage: peer server | peer client <proxy> <workload> <n>"
                     " | peer routed <router> <proxy> <workload> <n>" << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << e.what() << std::endl;
        return 1;
    }
}
