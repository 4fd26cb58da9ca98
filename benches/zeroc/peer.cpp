// A ZeroC Ice C++ (3.7, C++11 mapping) peer for the end-to-end benchmarks: the same workloads
// as benches/benches/end_to_end.rs, so that ZeroC's numbers stand beside ours in one run.
//
//   peer server                          prints "READY <port>", serves until stdin closes
//   peer client <proxy> <workload> <n>   runs n iterations, prints the elapsed nanoseconds
//   peer routed <router> <proxy> <workload> <n>
//                                        the same through a Glacier2 router (a session first)
//
// The server is a Blobject: `echo` returns its in-parameters, every other operation (and
// `ice_ping`) an empty result; oneway `tick`s are counted, and `getCount` is not needed since
// the client ends every oneway or batch run with a twoway, which the server dispatches after
// them on the same connection.

#include <Glacier2/Glacier2.h>
#include <Ice/Ice.h>
#include <chrono>
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

int client(const std::shared_ptr<Ice::Communicator>& c, const std::string& proxy,
           const std::string& workload, long n) {
    auto base = c->stringToProxy(proxy);
    std::vector<Ice::Byte> out;
    const std::vector<Ice::Byte> empty = {6, 0, 0, 0, 1, 1};
    base->ice_ping();  // connect before timing
    auto start = std::chrono::steady_clock::now();
    if (workload == "ping") {
        for (long i = 0; i < n; ++i) base->ice_ping();
    } else if (workload == "inflight64") {
        std::vector<std::future<Ice::Object::Ice_invokeResult>> window;
        long sent = 0;
        while (sent < n) {
            window.clear();
            for (int k = 0; k < 64 && sent < n; ++k, ++sent) {
                window.push_back(base->ice_invokeAsync("op", Ice::OperationMode::Normal, empty));
            }
            for (auto& f : window) f.get();
        }
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
    auto elapsed = std::chrono::steady_clock::now() - start;
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
        if (mode == "routed" && argc == 6) {
            auto router = Ice::checkedCast<Glacier2::RouterPrx>(c->stringToProxy(argv[2]));
            c->setDefaultRouter(router);
            router->createSession("bench", "bench");
            return client(c, argv[3], argv[4], std::stol(argv[5]));
        }
        std::cerr << "usage: peer server | peer client <proxy> <workload> <n>"
                     " | peer routed <router> <proxy> <workload> <n>" << std::endl;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << e.what() << std::endl;
        return 1;
    }
}
