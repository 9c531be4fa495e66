"""DNS: queries per second with dnsperf against vaultlink's DnsServer, dnsmasq and unbound, in one run.

The same names are served by each: N vaults `bench{i}.vault.azure.net`, each with an approved private endpoint
and an A record in a private zone `privatelink.vaultcore.azure.net` linked to one virtual network (the hub).
Three views:

- linked: the hub's resolver, `bench{i}.vault.azure.net CNAME bench{i}.privatelink...` then the A record of the
  private endpoint (2 records);
- internet: the public chain, `bench{i}.vault.azure.net CNAME bench{i}.privatelink... CNAME
  data-prod-eus.vaultcore.azure.net CNAME data-prod-eus-region... CNAME azkms-prod-eus-b.eastus.cloudapp.azure.com
  A 198.51.100.x` (5 records);
- forwarded: a spoke network whose custom DNS server is a forwarder machine in the hub, peered with it, so its
  resolver answers as the hub's does (the model's `view_for` decides it). Its peer is dnsmasq forwarding every
  query (`no-resolv`, `server=`) to the same upstream, vaultlink's hub resolver: once with `cache-size=0` (every
  query crosses to the upstream) and once with a cache that holds every name, as a forwarder usually runs;
- site: an on-premises site's DNS server with conditional forwarders for vault.azure.net and vaultcore.azure.net
  to a DNS Private Resolver inbound endpoint in the hub, joined to it by a VPN connection (the model's site view
  forwards to the endpoint, which answers as the hub's Azure DNS). Its peer is dnsmasq with the same two
  conditional forwarders (`server=/vault.azure.net/...`) to the same upstream, vaultlink's hub resolver, again
  uncached and cached.

vaultlink runs in a subprocess with uvloop (`python -m bench.dns serve --names N`), with 1,000 and 100,000
names (its cost should not grow with the number of names). dnsmasq serves the 1,000 names from cname= and
host-record= lines (`--no-resolv --no-hosts`, in the foreground); unbound from an auth-zone (its local-data does
not follow a CNAME to another local name, so it would answer the first CNAME only) for the root, so it answers
every name itself (NXDOMAIN for the rest), with do-not-query-localhost and no upstream, so neither can send a
query anywhere (the forwarding dnsmasq sends only to vaultlink's hub resolver on 127.0.4.1). Every case first runs through its names once
(`dnsperf -n 1`, reported as "first pass": for vaultlink every query is a cache miss), then for DURATION
seconds. Everything binds and queries 127.0.4.0/24 only, and is stopped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import clean_env, fmt_ratio, python, stop

NAMES = 1_000
MANY = 100_000
DURATION = 8.0
OUTSTANDING = 100
TOOLS = {"dnsperf": "dnsperf", "dnsmasq": "dnsmasq-base", "unbound": "unbound"}
"""Command -> Debian package (dnsmasq-base: the binary alone, without a system service taking port 53)."""
VIEWS = ("linked", "internet", "forwarded", "site")
HOSTS = {"vaultlink": ("127.0.4.1", "127.0.4.2", "127.0.4.3", "127.0.4.4"),
         "dnsmasq": ("127.0.4.11", "127.0.4.12", "127.0.4.13", "127.0.4.14"),
         "dnsmasq-cached": ("", "", "127.0.4.33", "127.0.4.34"), "unbound": ("127.0.4.21", "127.0.4.22", "", "")}
"""Server -> its address for each of VIEWS ("" where it does not serve that view)."""
SERVERS = ("vaultlink", "dnsmasq", "dnsmasq-cached", "unbound")
FORWARDED_CACHE = 10_000
"""dnsmasq-cached's cache-size: room for every name."""
SUB = "/subscriptions/00000000-0000-0000-0000-00000000bench/resourcegroups/bench"
VNET = f"{SUB}/providers/microsoft.network/virtualnetworks/bench-vnet"
SUBNET = f"{VNET}/subnets/default"
SPOKE = f"{SUB}/providers/microsoft.network/virtualnetworks/bench-spoke"
FORWARDER = "10.0.0.4"
"""The hub machine the spoke's custom DNS servers name."""
INBOUND = "10.0.0.5"
"""The hub's resolver inbound endpoint, which the site's forwarders name."""
SITE = "corp"
SITE_ZONES = ("vault.azure.net", "vaultcore.azure.net")
ZONE = "privatelink.vaultcore.azure.net"


def name(i: int) -> str:
    return f"bench{i}.vault.azure.net"


def address(i: int) -> str:
    return str(ipaddress.IPv4Address("10.1.0.4") + i)


def public_chain() -> Any:
    from vaultlink.network.topology import public_chain as chain

    return chain("eastus")


def _peerings(remote: str) -> tuple[Any, ...]:
    """The `peers` of a network peered (Connected, access allowed) with `remote`, in the model's shape."""
    from vaultlink.network import topology

    peering = getattr(topology, "Peering", None)  # a value per peering where the model has one, else the key
    return (peering(remote) if peering is not None else remote,)


def topology(count: int) -> Any:
    """The network model's snapshot for `count` vaults: the hub with the linked zone and a forwarder machine,
    and a spoke peered with it whose custom DNS server is that machine."""
    from vaultlink.network.topology import (
        Connection,
        ForwardingRule,
        InboundEndpoint,
        Machine,
        PrivateEndpoint,
        PrivateZone,
        RecordSet,
        Site,
        Subnet,
        Topology,
        Vault,
        VirtualNetwork,
        ZoneLink,
    )

    vaults, endpoints, records = {}, [], {}
    soa = "azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10"
    records[("@", "SOA")] = RecordSet("SOA", 3600, (soa,))
    for i in range(count):
        vault_id = f"{SUB}/providers/microsoft.keyvault/vaults/bench{i}"
        vaults[f"bench{i}"] = Vault(f"bench{i}", vault_id, "eastus", public_network_access="Disabled")
        endpoints.append(PrivateEndpoint(f"{SUB}/providers/microsoft.network/privateendpoints/pe{i}", SUBNET, address(i),
                                         (Connection(vault_id, "Approved"),)))
        records[(f"bench{i}", "A")] = RecordSet("A", 600, (address(i),))
    forwarder = f"{SUB}/providers/microsoft.compute/virtualmachines/bench-dns"
    return Topology(
        vnets={VNET: VirtualNetwork(VNET, ("10.0.0.0/9",), peers=_peerings(SPOKE)),
               SPOKE: VirtualNetwork(SPOKE, ("10.200.0.0/16",), (FORWARDER,), _peerings(VNET))},
        subnets={SUBNET: Subnet(SUBNET, ("10.0.0.0/9",)), f"{SPOKE}/subnets/default": Subnet(
            f"{SPOKE}/subnets/default", ("10.200.0.0/24",))},
        endpoints=tuple(endpoints), zones=(PrivateZone(f"{SUB}/providers/microsoft.network/privatednszones/{ZONE}", ZONE,
                                                       (ZoneLink(VNET),), records),),
        machines={forwarder: Machine(forwarder, "bench-dns", SUBNET, FORWARDER, "")},
        vaults=vaults,
        inbound_endpoints=(InboundEndpoint(f"{SUB}/providers/microsoft.network/dnsresolvers/r/inboundendpoints/in",
                                           VNET, INBOUND),),
        sites={SITE: Site(SITE, ("192.168.0.0/16",), "192.168.0.53",
                          tuple(ForwardingRule(z, (INBOUND,)) for z in SITE_ZONES), vnets=(VNET,))})


def serve(count: int) -> None:
    """The vaultlink side: a DnsServer with both views, on uvloop, until SIGTERM. Prints its ports as JSON."""
    from vaultlink.dns.server import DnsServer
    from vaultlink.network.resolve import view_for
    from vaultlink.network.topology import site_view

    async def main() -> None:
        snapshot = topology(count)
        server = DnsServer(lambda: snapshot)
        linked = await server.add_view(VNET, HOSTS["vaultlink"][0], 0)
        internet = await server.add_view(None, HOSTS["vaultlink"][1], 0)
        spoke = view_for(snapshot, SPOKE)  # as the resolvers decide it: the hub's view, through the forwarder
        forwarded = await server.add_view(SPOKE, HOSTS["vaultlink"][2], 0, answer_as=spoke[0] if spoke else None,
                                          refuse=spoke is None)
        site = await server.add_view(site_view(SITE), HOSTS["vaultlink"][3], 0)
        print(json.dumps({"linked": linked[1], "internet": internet[1], "forwarded": forwarded[1], "site": site[1]}),
              flush=True)
        done = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, done.set)
        await done.wait()
        await server.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


# ---- the peers' configurations --------------------------------------------------------------------------

def _dnsmasq_conf(view: str, host: str, port: int, count: int) -> str:
    lines = [f"port={port}", f"listen-address={host}", "bind-interfaces", "no-resolv", "no-hosts",
             "log-facility=-"]
    chain = public_chain()
    for i in range(count):
        lines.append(f"cname={name(i)},bench{i}.{ZONE},60")
        if view == "linked":
            lines.append(f"host-record=bench{i}.{ZONE},{address(i)},600")
        else:
            lines.append(f"cname=bench{i}.{ZONE},{chain.cluster},60")
    if view == "internet":
        lines += [f"cname={chain.cluster},{chain.region},60", f"cname={chain.region},{chain.front},60",
                  f"host-record={chain.front},{_public_address()},60"]
    return "\n".join(lines) + "\n"


def _forwarding_conf(host: str, port: int, upstream: tuple[str, int], cache: int) -> str:
    """dnsmasq as a network's DNS forwarder: every name to one upstream, nothing from files."""
    return "\n".join([f"port={port}", f"listen-address={host}", "bind-interfaces", "no-resolv", "no-hosts",
                      f"server={upstream[0]}#{upstream[1]}", f"cache-size={cache}", "log-facility=-"]) + "\n"


def _conditional_conf(host: str, port: int, upstream: tuple[str, int], cache: int) -> str:
    """dnsmasq as a site's DNS server: the two Key Vault zones forwarded to one upstream, nothing else."""
    servers = [f"server=/{zone}/{upstream[0]}#{upstream[1]}" for zone in SITE_ZONES]
    return "\n".join([f"port={port}", f"listen-address={host}", "bind-interfaces", "no-resolv", "no-hosts", *servers,
                      f"cache-size={cache}", "log-facility=-"]) + "\n"


def _public_address() -> str:
    from vaultlink.network.topology import region_address

    return region_address("eastus")


def _root_zone(view: str, count: int) -> str:
    """Every name of the view in one zone for the root, so unbound answers the whole chain (across azure.net
    and azure.com) from it, and anything else with NXDOMAIN, without asking anyone."""
    chain = public_chain()
    lines = ["$ORIGIN .", ". 3600 IN SOA ns1-01.azure-dns.com. azuredns-hostmaster.microsoft.com. 1 3600 300 2419200 300",
             ". 3600 IN NS ns1-01.azure-dns.com."]
    for i in range(count):
        lines.append(f"{name(i)}. 60 IN CNAME bench{i}.{ZONE}.")
        if view == "linked":
            lines.append(f"bench{i}.{ZONE}. 600 IN A {address(i)}")
        else:
            lines.append(f"bench{i}.{ZONE}. 60 IN CNAME {chain.cluster}.")
    if view == "internet":
        lines += [f"{chain.cluster}. 60 IN CNAME {chain.region}.", f"{chain.region}. 60 IN CNAME {chain.front}.",
                  f"{chain.front}. 60 IN A {_public_address()}"]
    return "\n".join(lines) + "\n"


def _unbound_conf(host: str, port: int, zone_file: Path, directory: Path) -> str:
    return f"""server:
  interface: {host}
  port: {port}
  num-threads: 1
  username: ""
  chroot: ""
  directory: "{directory}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-daemonize: no
  do-ip6: no
  do-not-query-localhost: yes
  outgoing-interface: 127.0.0.1
  module-config: "iterator"
auth-zone:
  name: "."
  zonefile: "{zone_file}"
  for-downstream: yes
  for-upstream: no
  fallback-enabled: no
remote-control:
  control-enable: no
"""


# ---- running -------------------------------------------------------------------------------------------------

def ensure_tools() -> dict[str, str]:
    """Installs what is missing with apt-get (as root); returns a note per tool that is still missing."""
    missing = [cmd for cmd in TOOLS if shutil.which(cmd) is None and not Path("/usr/sbin", cmd).exists()]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(TOOLS[c] for c in missing)} with apt-get ...", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *(TOOLS[c] for c in missing)]):
            subprocess.run(command, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=600)
    return {cmd: f"{cmd} is not installed (apt-get install -y {TOOLS[cmd]})" for cmd in TOOLS if _which(cmd) is None}


def _which(cmd: str) -> str | None:
    found = shutil.which(cmd)
    if found is None and Path("/usr/sbin", cmd).exists():
        found = str(Path("/usr/sbin", cmd))
    return found


def _free_port(host: str) -> int:
    """A port free for both UDP and TCP on host."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind((host, port))
            except OSError:
                continue
            return int(port)
    raise OSError(f"no free port on {host}")


def _probe(host: str, port: int, qname: str, timeout: float = 10.0) -> dict[str, Any] | None:
    """One query over UDP, retried until the server answers: its rcode and answer records' types."""
    from vaultlink.dns.wire import decode_message, encode_query

    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                sock.sendto(encode_query(qname), (host, port))
                message = decode_message(sock.recv(4096))
            except OSError:
                continue
            return {"rcode": message.rcode, "answer": [f"{r.type} {r.value}" for r in message.answer]}
    return None


_FIELDS = {
    "sent": re.compile(r"Queries sent:\s+(\d+)"), "completed": re.compile(r"Queries completed:\s+(\d+)"),
    "lost": re.compile(r"Queries lost:\s+(\d+)"), "qps": re.compile(r"Queries per second:\s+([\d.]+)"),
    "latencyS": re.compile(r"Average Latency \(s\):\s+([\d.]+)"), "runTimeS": re.compile(r"Run time \(s\):\s+([\d.]+)"),
}


def dnsperf(host: str, port: int, data: Path, *, duration: float | None = None, once: bool = False) -> dict[str, Any]:
    args = [_which("dnsperf") or "dnsperf", "-s", host, "-p", str(port), "-d", str(data), "-q", str(OUTSTANDING),
            "-t", "2"]
    args += ["-n", "1"] if once else ["-l", f"{duration:g}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=(duration or 60) + 60, check=False)
    out: dict[str, Any] = {}
    for key, pattern in _FIELDS.items():
        match = pattern.search(done.stdout)
        if match:
            out[key] = float(match.group(1))
    codes = re.search(r"Response codes:\s+(.*)", done.stdout)
    out["responseCodes"] = codes.group(1).strip() if codes else done.stderr.strip()[-300:]
    if "qps" not in out:
        raise RuntimeError(f"dnsperf gave no figures: {done.stdout[-500:]} {done.stderr[-500:]}")
    return out


def _measure(server: str, view: str, host: str, port: int, data: Path, count: int, duration: float) -> dict[str, Any]:
    print(f"  {server} {view} {count} names on {host}:{port} ...", file=sys.stderr, flush=True)
    sample = _probe(host, port, name(count // 2))
    first = dnsperf(host, port, data, once=True)
    timed = dnsperf(host, port, data, duration=duration)
    return {"server": server, "view": view, "names": count, "sample": sample, "firstPassQps": first["qps"], **timed}


def _queries(directory: Path, count: int) -> Path:
    path = directory / f"queries-{count}.txt"
    path.write_text("".join(f"{name(i)} A\n" for i in range(count)))
    return path


@contextlib.contextmanager
def _vaultlink(directory: Path, count: int) -> Iterator[dict[tuple[str, str], tuple[str, int]]]:
    log_path = directory / f"vaultlink-{count}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([python(), "-m", "bench.dns", "serve", "--names", str(count)],
                                   stdout=subprocess.PIPE, stderr=log, env=clean_env())
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"vaultlink's DNS server did not start: {log_path.read_text()}")
            ports = json.loads(line)
            yield {("vaultlink", view): (HOSTS["vaultlink"][i], ports[view]) for i, view in enumerate(VIEWS)}
        finally:
            stop(process)


def _peer_args(server: str, view: str, host: str, port: int, directory: Path, count: int,
               upstream: tuple[str, int]) -> list[str]:
    """The command line of a peer serving one view (its configuration written into `directory`)."""
    conf = directory / f"{server}-{view}.conf"
    if server.startswith("dnsmasq"):
        cache = FORWARDED_CACHE if server == "dnsmasq-cached" else 0
        if view == "forwarded":
            conf.write_text(_forwarding_conf(host, port, upstream, cache))
        elif view == "site":
            conf.write_text(_conditional_conf(host, port, upstream, cache))
        else:
            conf.write_text(_dnsmasq_conf(view, host, port, count))
        return [_which("dnsmasq") or "dnsmasq", "--keep-in-foreground", f"--conf-file={conf}", "--pid-file="]
    zone = directory / f"root-{view}.zone"
    zone.write_text(_root_zone(view, count))
    conf.write_text(_unbound_conf(host, port, zone, directory))
    return [_which("unbound") or "unbound", "-d", "-c", str(conf)]


@contextlib.contextmanager
def _peer(server: str, directory: Path, count: int,
          upstream: tuple[str, int]) -> Iterator[dict[tuple[str, str], tuple[str, int]]]:
    """The peer's listeners, one process per view it serves; a forwarder sends everything to `upstream`."""
    with contextlib.ExitStack() as stack:
        out = {}
        for view, host in zip(VIEWS, HOSTS[server], strict=True):
            if not host:
                continue
            port = _free_port(host)
            args = _peer_args(server, view, host, port, directory, count, upstream)
            log = stack.enter_context((directory / f"{server}-{view}.log").open("wb"))
            process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(stop, process)
            out[(server, view)] = (host, port)
        yield out


def run(duration: float = DURATION) -> dict[str, Any]:
    notes = ensure_tools()
    if "dnsperf" in notes:
        raise RuntimeError(notes["dnsperf"])
    result: dict[str, Any] = {"durationS": duration, "outstanding": OUTSTANDING, "notes": notes, "runs": []}
    with tempfile.TemporaryDirectory(prefix="vaultlink-bench-dns-") as tmp:
        directory = Path(tmp)
        # every server with the same 1,000 names runs at once, and the cases alternate between them per view,
        # so that a slow spell of the machine does not fall on one server only
        with contextlib.ExitStack() as stack:
            listening = stack.enter_context(_vaultlink(directory, NAMES))
            hub = listening[("vaultlink", "linked")]
            for peer in SERVERS[1:]:
                if peer.split("-")[0] not in notes:
                    listening.update(stack.enter_context(_peer(peer, directory, NAMES, hub)))
            data = _queries(directory, NAMES)
            for view in VIEWS:
                for server in SERVERS:
                    if (server, view) in listening:
                        result["runs"].append(_measure(server, view, *listening[(server, view)], data, NAMES, duration))
        with _vaultlink(directory, MANY) as listening:
            data = _queries(directory, MANY)
            for view in VIEWS:
                result["runs"].append(_measure("vaultlink", view, *listening[("vaultlink", view)], data, MANY, duration))
    qps = {(r["server"], r["view"], r["names"]): r["qps"] for r in result["runs"]}
    result["ratios"] = {}
    for view in VIEWS:
        ours = qps.get(("vaultlink", view, NAMES))
        for peer in SERVERS[1:]:
            theirs = qps.get((peer, view, NAMES))
            if ours and theirs:
                result["ratios"][f"vaultlink/{peer} {view}"] = round(ours / theirs, 3)
        many = qps.get(("vaultlink", view, MANY))
        if ours and many:
            result["ratios"][f"vaultlink {MANY:,}/{NAMES:,} names {view}"] = round(many / ours, 3)
    return result


def report(result: dict[str, Any]) -> list[str]:
    lines = [(f"dns: dnsperf over UDP, {result['outstanding']} queries outstanding, {result['durationS']:g} s per "
              "case after one pass through the names"),
             f"  {'server':<14} {'view':<9} {'names':>7} {'first pass':>11} {'qps':>9} {'lost':>6} {'avg ms':>7}  answer"]
    shapes: dict[str, set[str]] = {}
    for r in result["runs"]:
        sample = r.get("sample") or {}
        shape = f"{sample.get('rcode', 'no answer')} " + ",".join(a.split()[0] for a in sample.get("answer", []))
        shapes.setdefault(r["view"], set()).add(shape)
        lines.append(f"  {r['server']:<14} {r['view']:<9} {r['names']:>7,} {r['firstPassQps']:>11,.0f} {r['qps']:>9,.0f} "
                     f"{r.get('lost', 0):>6,.0f} {r.get('latencyS', 0) * 1000:>7.2f}  {shape}")
    for view, seen in shapes.items():
        if len(seen) > 1:
            lines.append(f"  ! the servers answered {view} differently: {sorted(seen)}")
    for label, ratio in result["ratios"].items():
        target = " (target >= 0.50)" if "dnsmasq " in label else " (flat = 1.0)" if "names" in label else ""
        lines.append(f"  {label}: {fmt_ratio(ratio)}{target}")
    for note in result["notes"].values():
        lines.append(f"  skipped: {note}")
    return lines


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve" and sys.argv[2] == "--names":
        serve(int(sys.argv[3]))
    else:
        print(json.dumps(run(float(os.environ.get("DNS_BENCH_DURATION", DURATION))), indent=2))
