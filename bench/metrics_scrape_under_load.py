"""Scrape latency of itaclip-server's /metrics while idle and slow clients hold connections (issue
13: with 20 idle connections a scrape took 90 s; 100 clients sending a byte every 3 s made every
scrape time out).

usage: metrics_scrape_under_load.py METRICS_PORT [IDLE=20] [SLOW=100] [SCRAPES=5]
Start the server first, e.g. itaclip-server --checkpoint C --bpe_vocabulary B
--metrics_listen 127.0.0.1:19464 --skip_warmup true. Prints each scrape's seconds.
"""
import socket
import sys
import threading
import time
import urllib.request


def trickle(connection):
    """One byte every 3 s: never a complete request line."""
    try:
        for _ in range(100):
            connection.send(b"G")
            time.sleep(3)
    except OSError:
        pass  # the server hung up (read timeout)


def main():
    port = int(sys.argv[1])
    idle, slow, scrapes = (int(a) for a in (sys.argv[2:] + ["20", "100", "5"][len(sys.argv) - 2:]))
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle)]
    for _ in range(slow):
        connection = socket.create_connection(("127.0.0.1", port))
        held.append(connection)
        threading.Thread(target=trickle, args=(connection,), daemon=True).start()
    seconds = []
    for _ in range(scrapes):
        start = time.monotonic()
        urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read()
        seconds.append(time.monotonic() - start)
        time.sleep(1)
    print("%d idle + %d slow connections: scrape seconds %s" % (
        idle, slow, " ".join("%.3f" % s for s in seconds)))


if __name__ == "__main__":
    main()
