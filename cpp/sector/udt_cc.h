// Congestion control for the data channel's UDT sockets (a purely local choice: the peer
// never sees it, so any Sector slave or client interoperates).
//
// UDT's default (CUDTCC) paces packets at a sending period that every loss event raises
// and that comes back down only slowly; after its slow start it also derives the period
// from the receiver's measured arrival rate, which is tiny while the receiver is still
// starting up. On a fast path with a receiver that sometimes lags (2 cores shared by both
// ends), that ratchets the rate down for many seconds: the first large upload over a new
// connection stalled for ~6-12 s and later transfers stayed near 120 MB/s.
//
// WindowCC is window-based instead, like TCP Reno: no pacing (period 0), slow start to the
// flow window, then additive increase; one multiplicative decrease per loss epoch and a
// halving on a timeout. The receiver's advertised buffer (UDT's flow window) still bounds
// what is in flight.
#pragma once

namespace storewire::sector {

// A CCCVirtualFactory for UDT_CC (set on a socket before it connects).
void* window_cc_factory();

}  // namespace storewire::sector
