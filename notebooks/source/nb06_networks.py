"""Section 6: the default bridge, a user-defined bridge, name resolution."""

from ._cells import code, md

NAME = "06-networks.ipynb"

CELLS = [
    md("""
# 6. Networks

Containers talk to each other over virtual networks the engine creates. This notebook looks at the
default one, then builds its own.
"""),
    code("%load_ext dockermagic"),
    md("Remove leftovers of an interrupted run: this notebook's containers and its network."),
    code("""
import docker

engine = docker.from_env()
NET = "nb06-user-defined-bridge"
for c in engine.containers.list(all=True, filters={"name": "nb06-"}):
    c.remove(force=True, v=True)
for n in engine.networks.list(names=[NET]):
    n.remove()
print("Clean start.")
"""),
    md("""
## The default bridge

When Docker starts, it creates a virtual switch on the host called `docker0` — the *bridge* network.
Every container started without `--network` is plugged into it: Docker creates a pair of virtual cables
(a *veth* pair), one end attached to `docker0` on the host, the other appearing inside the container
as `eth0`. Addresses come from the bridge's subnet, usually `172.17.0.0/16`.
"""),
    code('%docker run -d --name nb06-a debian:bookworm sleep 600'),
    code("%docker network inspect bridge"),
    code("""
bridge = engine.networks.get("bridge").attrs
print("host interface:", bridge["Options"]["com.docker.network.bridge.name"])
print("subnet:        ", bridge["IPAM"]["Config"][0]["Subnet"])
a = engine.containers.get("nb06-a")
print("nb06-a address:", a.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"])
"""),
    md("Inside the container, the network interfaces are `lo` and `eth0` — the container's end of the veth pair:"),
    code("%docker exec nb06-a ls /sys/class/net"),
    md("""
That address exists only on the host's virtual switch: another machine cannot reach it, and neither
can anything outside the host. To let the outside in, `-p HOST_PORT:CONTAINER_PORT` (notebook 2) asks
Docker to forward a port of the host to the container — and `-p 127.0.0.1:...` limits that to this
machine.

Try it with a web server. `-p 127.0.0.1::80` leaves the host port empty, so Docker picks a free one;
`docker port` tells which.
"""),
    code("%docker run -d --name nb06-web -p 127.0.0.1::80 nginx:stable-alpine"),
    code("""
ports = %docker port nb06-web
ports
"""),
    md("The notebook runs on the host, so it can fetch the page through the published port:"),
    code("""
import time
import urllib.request

host_port = ports[0].split(" -> ")[1]  # "80/tcp -> 127.0.0.1:NNNNN"
for attempt in range(50):  # the server needs a moment to start
    try:
        with urllib.request.urlopen(f"http://{host_port}/", timeout=2) as response:
            print(response.status, response.read().decode()[:120])
        break
    except OSError:
        time.sleep(0.1)
"""),
    md("""
## A user-defined bridge

Your own bridge network can have a subnet and gateway you choose. Its big advantage: containers on it
find each other **by name** — Docker runs a small DNS server for user-defined networks. The default
bridge does not do that.
"""),
    md("""
`--driver bridge` asks for the same kind of network as the default one (`bridge` is also the default
driver, so it could be left out). The result is the new network object — `<Network: ID>` shows the
start of its ID.
"""),
    code("%docker network create --driver bridge --subnet 192.168.100.0/24 --gateway 192.168.100.1 nb06-user-defined-bridge"),
    md("`--network` starts a container directly on it."),
    code("""
%%docker
run -d --name nb06-b --network nb06-user-defined-bridge debian:bookworm sleep 600
run -d --name nb06-c --network nb06-user-defined-bridge debian:bookworm sleep 600
"""),
    md("""
### The picture, drawn from your engine

`%docker network ls --watch` draws what the text above describes, for every bridge network: the host's bridge
interface (`docker0` for the default one, `br-…` for yours) with its subnet and gateway, and each
container plugged into it through its veth pair, with its address, its aliases and its published
ports (host → container). It follows the engine's events: keep it in view while you run the next
cells — `network connect` below adds `nb06-a` to the user-defined bridge. Pick a network and press
*inspect* for the full `network inspect` output.
"""),
    code("""
net_view = %docker network ls --watch
net_view
"""),
    md("`nb06-c` looks up `nb06-b` by name (`getent hosts` asks the container's resolver):"),
    code("%docker exec nb06-c getent hosts nb06-b"),
    md("`nb06-a`, on the default bridge, cannot: no output, exit code 2 (not found)."),
    code("%docker exec nb06-a getent hosts nb06-b"),
    md("""
`network connect` plugs a running container into another network; `nb06-a` gets a second interface and
can now resolve `nb06-b`. Like the CLI, `network connect` prints nothing when it works.
"""),
    code("%docker network connect nb06-user-defined-bridge nb06-a"),
    code("%docker exec nb06-a getent hosts nb06-b"),
    code("%docker network ls"),
    code("%docker network inspect nb06-user-defined-bridge"),
    md("## Self-check"),
    code("""
import ipaddress


def lookup(container, name):
    r = engine.containers.get(container).exec_run(["getent", "hosts", name])
    return r.exit_code, r.output.decode().strip()


net = engine.networks.get(NET)
cfg = net.attrs["IPAM"]["Config"][0]
assert (cfg["Subnet"], cfg["Gateway"]) == ("192.168.100.0/24", "192.168.100.1"), f"Unexpected IPAM: {cfg}"
attached = {c["Name"]: c["IPv4Address"].split("/")[0] for c in net.attrs["Containers"].values()}
assert set(attached) == {"nb06-a", "nb06-b", "nb06-c"}, f"Attached containers: {sorted(attached)}"
subnet = ipaddress.ip_network("192.168.100.0/24")
assert all(ipaddress.ip_address(ip) in subnet for ip in attached.values()), attached
code, out = lookup("nb06-a", "nb06-b")
assert code == 0 and out.split()[0] == attached["nb06-b"], f"nb06-a cannot resolve nb06-b: {out!r}"
# The live view followed the engine: after `network connect` it shows nb06-a on the user-defined bridge.
import time

deadline = time.monotonic() + 5
while time.monotonic() < deadline and not any(
        c["name"] == "nb06-a" for n in net_view.networks() if n["name"] == NET for c in n["containers"]):
    time.sleep(0.1)
shown = {c["name"]: c["ipv4"] for n in net_view.networks() if n["name"] == NET for c in n["containers"]}
assert shown == attached, f"The network view shows {shown}, the engine says {attached}"
web = engine.containers.get("nb06-web")
assert web.ports.get("80/tcp"), "nb06-web publishes no port: run the cell with -p 127.0.0.1::80."
print("Self-check passed:", attached)
"""),
    md("## Tidy up"),
    code("""
if "net_view" in globals():
    net_view.close()  # stops its event stream
for c in engine.containers.list(all=True, filters={"name": "nb06-"}):
    c.remove(force=True, v=True)
for n in engine.networks.list(names=[NET]):
    n.remove()
assert not engine.containers.list(all=True, filters={"name": "nb06-"})
assert not engine.networks.list(names=[NET])
print("Closed the live view; removed this notebook's containers and network.")
"""),
]
