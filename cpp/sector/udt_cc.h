// Congestion control for the data channel's UDT sockets (a purely local choice: the peer
// never sees it, so any Sector slave or client interoperates).
//
// UDT's default (CUDTCC) paces packets at a sending period that every loss event raises
// and that comes back down only slowly; after its slow start it also derives the period
// from the receiver's measured arrival rate, which is tiny while the receiver is still
// starting up. On a fast path with a receiver that sometimes lags (2 cores shared by both
// ends), that ratchets the rate down for many seconds.
//
// WindowCC is window-based instead, like TCP Reno: no pacing (period 0), slow start up to
// a threshold, then additive increase; one multiplicative decrease per loss epoch and a
// halving on a timeout. The receiver's advertised buffer (UDT's flow window) still bounds
// what is in flight.
//
// A window-limited UDT 4 sender is clocked by full ACKs only (light ACKs move the window
// but do not wake the sender), and a receiver sends those from a 10 ms timer that it checks
// when a packet arrives, or every 100 ms when none does. A sender whose whole window
// arrives within 10 ms therefore moves one window per ~100 ms. With the first version of
// this class (slow start ended for good by any loss or timeout, 32-packet windows, +16
// packets per window) one early loss left the first large transfer on a connection
// crawling for 3-6 s. Hence:
//   - the receiver side asks for a full ACK every 64..1024 data packets (about one per ms
//     at the arrival rate), so a window never waits for the 100 ms timer check;
//   - the window never goes below two such ACK intervals (128 packets);
//   - slow start ends at half the window on the first loss (a threshold, as in TCP), and a
//     loss or timeout with no more than the initial window in flight (the first packet of
//     a rendezvous connection, dropped while the peer's handshake is still pending) is
//     ignored;
//   - the window grows only while it is in use, so the flow window or a slow application
//     cannot inflate it into bursts that overflow the receiver's UDP buffer.
#pragma once

namespace storewire::sector {

// A CCCVirtualFactory for UDT_CC (set on a socket before it connects).
void* window_cc_factory();

}  // namespace storewire::sector
