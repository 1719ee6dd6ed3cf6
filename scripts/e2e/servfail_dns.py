"""A DNS server that answers every query with SERVFAIL (RCODE 2), for the fault
tests: python3 servfail_dns.py ADDRESS."""

import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((sys.argv[1], 53))
while True:
    query, peer = sock.recvfrom(512)
    if len(query) < 12:
        continue
    # Same ID and question; QR=1, RD copied, RA=1, RCODE=2 (SERVFAIL); no answers.
    flags = bytes([0x80 | (query[2] & 0x01), 0x82])
    sock.sendto(query[:2] + flags + query[4:6] + b"\x00\x00\x00\x00\x00\x00" + query[12:], peer)
