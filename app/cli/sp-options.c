/* The command line: every option of the server, the viewer and the
 * headless modes, for GApplication to parse (values are read from the
 * options dictionary, see sp-server-overrides.h and sp-headless.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-options.h"

static const GOptionEntry entries[] = {
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Serve prices without a window (for servers and scripts)"), NULL },
  { "port", 'p', 0, G_OPTION_ARG_STRING, NULL,
    N_("Port to listen on (default 8765; 0 picks a free one)"), N_("PORT") },
  { "bind", 'b', 0, G_OPTION_ARG_STRING, NULL,
    N_("Address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)"),
    N_("ADDRESS") },
  { "interval-ms", 'i', 0, G_OPTION_ARG_STRING, NULL,
    N_("Time between ticks in milliseconds, 1 to 3600000 (default 250)"), N_("MS") },
  { "symbols", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Comma-separated symbols, each optionally NAME=OPENING_PRICE "
       "(default ACME,GLOBEX,INITECH,HOOLI,UMBRELLA)"),
    N_("LIST") },
  { "format", 'f', 0, G_OPTION_ARG_STRING, NULL,
    N_("Message format: json (ticks as JSON) or text (“price = 299.90”, as the original demo)"),
    N_("FORMAT") },
  { "on-message", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("When a client sends a message: commands (answer JSON commands) or close "
       "(close that connection, as the original demo)"),
    N_("POLICY") },
  { "seed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Seed of the simulated market: the same seed gives the same prices"), N_("N") },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("PEM certificate: serve wss:// and https:// (with --tls-key)"), N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("PEM private key of --tls-cert"), N_("FILE") },
  { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Serve a recording (made with --record) instead of the simulated market, "
       "from the start again at its end"), N_("FILE") },
  { "replay-speed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("How fast to replay: 1 (as recorded), 10, any factor, or max (as fast as each client "
       "takes it)"), N_("SPEED") },
  { "split", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Send each symbol's tick as a frame of its own instead of one batch per tick "
       "(20 symbols every 1 ms: 20,000 messages a second)"), NULL },
  /* Tests only, not in --help: a send path slower than any machine's. */
  { "test-send-delay-us", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
    "Wait US microseconds before every frame sent to a client", "US" },
  { "allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Also accept WebSocket clients from pages of ORIGIN, e.g. https://example.com "
       "(repeatable; null for pages opened from files, * for any)"),
    N_("ORIGIN") },
  { "trusted-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Believe X-Forwarded-For, X-Forwarded-Host and Forwarded from this proxy, an address "
       "or a network in CIDR such as 10.0.0.0/8 (repeatable)"),
    N_("ADDRESS") },
  { "token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Require this access token (?token= or Authorization: Bearer); one is made up "
       "when listening beyond this machine"),
    N_("TOKEN") },
  { "no-token", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Require no token, even when listening on all interfaces"), NULL },
  { "max-clients", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Refuse clients beyond N with 503 (default 20000)"), N_("N") },
  { "max-message-size", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Close clients that send a message over N bytes with 1009 (default 65536); with "
       "--connect, the server, if it does (default 16 MiB)"), N_("N") },
  { "max-command-rate", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Close clients that send more than N messages a second with 1008 (default 50)"),
    N_("N") },
  { "handshake-timeout-ms", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Drop connections whose request is not in after MS (default 10000)"), N_("MS") },
  { "ping-interval", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Ping clients every S seconds, 0 for never (default 30)"), N_("S") },
  { "pong-timeout", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Close clients silent for the ping interval plus S seconds (default 10)"), N_("S") },
  { "slow-client-timeout-ms", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Close clients that stay unable to take more for MS (default 10000)"), N_("MS") },
  { "broker", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --role: the broker between the publisher and its edges, redis://HOST:PORT"),
    N_("URL") },
  { "role", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("publisher (runs the market and publishes every tick to --broker) or edge (serves "
       "the publisher's ticks from --broker, no market of its own)"), N_("ROLE") },
  { "connect", 'c', 0, G_OPTION_ARG_STRING, NULL,
    N_("Watch the ws:// or wss:// stream at URL (with --headless: print its prices)"),
    N_("URL") },
  { "price-field", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Where the price is in JSON messages, e.g. p, data.price or data[].p (default: detect)"),
    N_("PATH") },
  { "symbol-field", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Where the symbol is in JSON messages, e.g. s, data[].s or channel~live_trades_(.+) "
       "(default: detect)"), N_("PATH") },
  { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Extra request header for --connect, “Name: value” (repeatable)"), N_("HEADER") },
  { "protocol", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("WebSocket subprotocol to offer with --connect (repeatable)"), N_("NAME") },
  { "origin", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Origin header to send with --connect"), N_("ORIGIN") },
  { "accept-certificate", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Trust this one untrusted certificate (its SHA-256 fingerprint, as the error shows)"),
    N_("SHA256") },
  { "record", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --headless --connect: record every frame to FILE (JSON Lines), to replay later"),
    N_("FILE") },
  { "send", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("With --headless --connect: send this text each time it connects (a subscription, say; "
       "repeatable, in order)"), N_("TEXT") },
  { "feed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --headless: watch a known public feed (its address, subscription and fields; "
       "--connect may give another address); “list” shows them"), N_("NAME") },
  { "feed-key", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --feed: the API key the feed asks for"), N_("KEY") },
  { "feed-secret", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --feed: the secret key, for feeds that ask for two"), N_("SECRET") },
  { "count", 'n', 0, G_OPTION_ARG_STRING, NULL,
    N_("With --headless --connect: exit after N prices"), N_("N") },
  { "reconnect", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --headless --connect: reconnect when the stream drops instead of exiting"), NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, NULL,
    N_("With --headless --connect: show the handshake and every frame on stderr"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

const GOptionEntry *
sp_options_entries (void)
{
  return entries;
}
