#!/usr/bin/env python3
# plc-server.py: the case packer's PLC for the tests, a real Modbus TCP server
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Serves coils, discrete inputs, input registers and holding registers
# (protocol addresses 0 to 65535, all zero at first) on loopback with
# Debian's python3-pymodbus, and logs every write a client makes with its
# monotonic time (CLOCK_MONOTONIC, the clock of g_get_monotonic_time ()).
#
#     plc-server.py [--port N]       # 0 (the default): an ephemeral port
#     plc-server.py --rtu DEVICE     # Modbus RTU on a serial device, 19200 8N1
#
# It prints "port N" once it listens on TCP, or "rtu DEVICE" once it has
# opened the device, then answers one line of standard output for each line
# of standard input:
#
#     set TABLE ADDR VALUE    -> ok          (TABLE: co, di, ir, hr)
#     get TABLE ADDR          -> value V
#     history TABLE ADDR      -> history T:V T:V …   the client's writes, oldest first
#     delay N MS              -> ok          the next N responses leave MS ms late
#     refuse FC               -> ok          answer function FC with "illegal function"
#     stats                   -> stats requests=R connections=C
#     exit                    -> bye, and the server ends
#
# The end of standard input ends it too, so that it never outlives its
# test.  Exits 77 when pymodbus is missing.

import argparse
import asyncio
import logging
import sys
import threading
import time

try:
    from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                    ModbusSlaveContext)
    from pymodbus.pdu import ModbusExceptions
    from pymodbus.server.async_io import (ModbusConnectedRequestHandler, ModbusSerialServer,
                                          ModbusSingleRequestHandler, ModbusTcpServer)
    from pymodbus.transaction import ModbusRtuFramer
except ImportError as e:
    print("skip: python3-pymodbus is not installed (%s)" % e, flush=True)
    sys.exit(77)

TABLES = ("co", "di", "ir", "hr")


class LoggedBlock(ModbusSequentialDataBlock):
    """A data block that logs what clients write to it."""

    def __init__(self, name, log):
        super().__init__(0, [0] * 65536)
        self.name = name
        self.log = log

    def setValues(self, address, values):
        if not isinstance(values, list):
            values = [values]
        now = time.monotonic()
        for i, value in enumerate(values):
            self.log.append((now, self.name, address + i, int(value)))
        super().setValues(address, values)

    def set_quietly(self, address, value):
        """What the test sets, which is no client's write."""
        super().setValues(address, [value])


class Peer:
    """The server's state, touched only in the event loop's thread."""

    def __init__(self):
        self.log = []
        self.blocks = {name: LoggedBlock(name, self.log) for name in TABLES}
        self.delays = []
        self.refused = set()
        self.requests = 0
        self.connections = 0


peer = Peer()


class Steered:
    """Counts requests and connections; delays or refuses responses as told.
    Mixed into the TCP and the serial request handlers."""

    def connection_made(self, transport):
        peer.connections += 1
        super().connection_made(transport)

    def execute(self, request, *addr):
        peer.requests += 1
        if request.function_code in peer.refused:
            response = request.doException(ModbusExceptions.IllegalFunction)
            response.transaction_id = request.transaction_id
            response.unit_id = request.unit_id
            self.send(response, *addr)
            return
        super().execute(request, *addr)

    def send(self, message, *addr, **kwargs):
        # The answer is made now, from the data as it is now, and sent late:
        # exactly what a late reply from a busy PLC looks like.
        if peer.delays:
            delay = peer.delays.pop(0)
            loop = asyncio.get_running_loop()
            loop.call_later(delay, self._send_late, message, addr, kwargs)
            return
        super().send(message, *addr, **kwargs)

    def _send_late(self, message, addr, kwargs):
        if self.transport is not None and not self.transport.is_closing():
            super().send(message, *addr, **kwargs)


class TcpHandler(Steered, ModbusConnectedRequestHandler):
    pass


class RtuHandler(Steered, ModbusSingleRequestHandler):
    pass


def command(line):
    words = line.split()
    if not words:
        return "error empty command"
    try:
        if words[0] == "set" and len(words) == 4 and words[1] in TABLES:
            peer.blocks[words[1]].set_quietly(int(words[2]), int(words[3], 0))
            return "ok"
        if words[0] == "get" and len(words) == 3 and words[1] in TABLES:
            return "value %d" % int(peer.blocks[words[1]].getValues(int(words[2]), 1)[0])
        if words[0] == "history" and len(words) == 3 and words[1] in TABLES:
            address = int(words[2])
            entries = ["%.6f:%d" % (t, v) for t, table, a, v in peer.log
                       if table == words[1] and a == address]
            return " ".join(["history"] + entries)
        if words[0] == "delay" and len(words) == 3:
            peer.delays.extend([int(words[2]) / 1000.0] * int(words[1]))
            return "ok"
        if words[0] == "refuse" and len(words) == 2:
            peer.refused.add(int(words[1]))
            return "ok"
        if words[0] == "stats" and len(words) == 1:
            return "stats requests=%d connections=%d" % (peer.requests, peer.connections)
    except ValueError as e:
        return "error %s" % e
    return "error unknown command: %s" % line.strip()


async def main(port, rtu):
    slave = ModbusSlaveContext(di=peer.blocks["di"], co=peer.blocks["co"],
                               ir=peer.blocks["ir"], hr=peer.blocks["hr"], zero_mode=True)
    context = ModbusServerContext(slaves=slave, single=True)
    if rtu is not None:
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=rtu, baudrate=19200,
                                    parity="N", bytesize=8, stopbits=1, handler=RtuHandler)
        await server.start()
        serving = asyncio.create_task(server.serve_forever())
        print("rtu %s" % rtu, flush=True)
    else:
        # Reusing the address lets a restarted server take the port of the
        # one the test killed while its connections linger in TIME_WAIT.
        server = ModbusTcpServer(context, address=("127.0.0.1", port), handler=TcpHandler,
                                 allow_reuse_address=True)
        serving = asyncio.create_task(server.serve_forever())
        await server.serving
        print("port %d" % server.server.sockets[0].getsockname()[1], flush=True)

    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def read_commands():
        for line in sys.stdin:
            if line.strip() == "exit":
                break
            future = asyncio.run_coroutine_threadsafe(answer(line), loop)
            print(future.result(), flush=True)
        loop.call_soon_threadsafe(done.set_result, None)

    async def answer(line):
        return command(line)

    threading.Thread(target=read_commands, daemon=True).start()
    await done
    print("bye", flush=True)
    serving.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rtu")
    args = parser.parse_args()
    # pymodbus logs every connection the client drops as an error; the
    # tests drop many on purpose.
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL + 1)
    asyncio.run(main(args.port, args.rtu))
