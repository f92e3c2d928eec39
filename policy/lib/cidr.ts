/** IPv4/IPv6 CIDR arithmetic for NetworkPolicy ipBlocks (no dependency: two parsers and a prefix compare). */

export interface Cidr {
    v6: boolean;
    base: bigint;
    prefix: number;
}

function parseV4(ip: string): bigint | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(ip: string): bigint | undefined {
    if (!/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
    const halves = ip.split("::");
    if (halves.length > 2) return undefined;
    const groups = (s: string) => (s === "" ? [] : s.split(":"));
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    const missing = 8 - head.length - tail.length;
    if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
    const all = [...head, ...Array(missing).fill("0"), ...tail];
    if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** `10.0.0.0/16`, `fd00:ec2::254/128`; a bare address is a /32 or /128. Undefined when it is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
    const [ip, len] = text.trim().split("/");
    const v6 = ip.includes(":");
    const base = v6 ? parseV6(ip) : parseV4(ip);
    const max = v6 ? 128 : 32;
    const prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
    if (base === undefined || !(prefix >= 0 && prefix <= max)) return undefined;
    return { v6, base, prefix };
}

/** Whether `outer` contains every address of `inner` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    if (outer.v6 !== inner.v6 || outer.prefix > inner.prefix) return false;
    const bits = BigInt((outer.v6 ? 128 : 32) - outer.prefix);
    return outer.base >> bits === inner.base >> bits;
}

/** The whole address family: `0.0.0.0/0`, `::/0`. */
export const isEverywhere = (c: Cidr) => c.prefix === 0;

/**
 * Ranges no internet host can source traffic from: RFC 1918, shared address space (RFC 6598), loopback and
 * link-local for IPv4; unique-local (RFC 4193), link-local and loopback for IPv6.
 */
const NOT_INTERNET = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
].map((c) => parseCidr(c)!);

/**
 * Whether a CIDR admits any internet address: `0.0.0.0/0` and `::/0`, but also `0.0.0.0/1`, `128.0.0.0/1` or one
 * office's `/32`. False for private, shared, loopback and link-local ranges, and for text that is no CIDR.
 */
export function reachesInternet(text: string): boolean {
    const c = parseCidr(text);
    return !!c && !NOT_INTERNET.some((n) => cidrContains(n, c));
}
