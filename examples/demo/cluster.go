package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/nats"
	"github.com/templive/templive/pubsub/redis"
)

// The demo runs on several nodes when they share a broker (-pubsub), a
// signing secret (-secret-file or TEMPLIVE_SECRET) and, on one machine, the
// feed's SQLite file (-db). See docs/MULTINODE.md.

// secretEnv names the environment variable that holds the signing secret
// when -secret-file is not given.
const secretEnv = "TEMPLIVE_SECRET"

// minSecretLen is the shortest signing secret accepted, in bytes, as
// token.NewSigner requires.
const minSecretLen = 32

// minPresenceDown is the shortest -presence-down: below it, heartbeats
// would have to be so frequent that a busy node would be reported down.
const minPresenceDown = time.Second

// clusterFlags are the command-line flags of a node of a cluster.
type clusterFlags struct {
	pubsub       *string
	prefix       *string
	node         *string
	secretFile   *string
	presenceDown *time.Duration
}

// addClusterFlags defines the cluster flags on fs.
func addClusterFlags(fs *flag.FlagSet) *clusterFlags {
	return &clusterFlags{
		pubsub: fs.String("pubsub", "",
			"broker shared by the nodes: redis://host:port[/db] or nats://host:port; empty for a single node"),
		prefix: fs.String("pubsub-prefix", "templive",
			"prefix of the Redis channel (<prefix>:pubsub) or NATS subject (<prefix>.pubsub); nodes of one cluster share it, other clusters on the same broker must not"),
		node: fs.String("node", "",
			"name of this node, unique in the cluster (default: host name and listen address)"),
		secretFile: fs.String("secret-file", "",
			"file holding the signing secret shared by every node, hex or base64, at least 32 bytes (default: $"+secretEnv+")"),
		presenceDown: fs.Duration("presence-down", presence.DefaultDownPeriod,
			"how long a silent node's users stay listed before they are reported gone"),
	}
}

// clusterConfig is how a node joins its cluster. The zero value is a
// single node with a random secret.
type clusterConfig struct {
	// adapter carries broadcasts to the other nodes; nil for a single
	// node. newApp hands it to the PubSub, which owns it from then on.
	adapter pubsub.Adapter
	broker  string // the -pubsub URL without its password, for the logs
	node    string // "" derives the name from the listener
	// secret signs sessions, sign-in cookies and socket tokens; nil for
	// a random one, which works on this process only.
	secret []byte
	// presenceDown is presence's DownPeriod; 0 for the default.
	presenceDown time.Duration
}

// config validates the flags and returns the cluster configuration they
// describe. getenv reads the environment (os.Getenv).
func (f *clusterFlags) config(getenv func(string) string, logger *slog.Logger) (clusterConfig, error) {
	var c clusterConfig
	if *f.presenceDown < minPresenceDown {
		return c, fmt.Errorf("-presence-down %v: must be at least %v", *f.presenceDown, minPresenceDown)
	}
	c.presenceDown = *f.presenceDown
	c.node = strings.TrimSpace(*f.node)

	secret, err := loadSecret(*f.secretFile, getenv)
	if err != nil {
		return c, err
	}
	c.secret = secret

	if *f.pubsub != "" {
		if !validPrefix.MatchString(*f.prefix) {
			return c, fmt.Errorf("-pubsub-prefix %q: use letters, digits, - and _ only", *f.prefix)
		}
		c.adapter, c.broker, err = newAdapter(*f.pubsub, *f.prefix, logger)
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// validPrefix matches a prefix that is safe as part of both a Redis channel
// and a NATS subject (where '.', '*' and '>' have meanings).
var validPrefix = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// newAdapter returns the adapter for a -pubsub URL. Neither adapter
// connects before the PubSub starts it.
func newAdapter(raw, prefix string, logger *slog.Logger) (a pubsub.Adapter, redacted string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("-pubsub: %w", err)
	}
	switch u.Scheme {
	case "redis", "rediss":
		// ParseURL understands the password, the database number (which
		// Redis pub/sub ignores: channels are server-wide) and TLS.
		opts, err := goredis.ParseURL(raw)
		if err != nil {
			return nil, "", fmt.Errorf("-pubsub %s: %w", u.Redacted(), err)
		}
		// Maintenance notifications concern managed Redis deployments;
		// their background goroutine outlives Close.
		opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
		// A publish gives up at the PubSub's PublishTimeout, as with the
		// client the adapter makes itself.
		opts.ContextTimeoutEnabled = true
		client := goredis.NewClient(opts)
		return &redisAdapter{
			Adapter: redis.New(redis.Options{Client: client, Channel: prefix + ":pubsub", Logger: logger}),
			client:  client,
		}, u.Redacted(), nil
	case "nats":
		if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, "", fmt.Errorf("-pubsub %s: want nats://host:port", u.Redacted())
		}
		return nats.New(nats.Options{URL: raw, Subject: prefix + ".pubsub", Logger: logger}), u.Redacted(), nil
	}
	return nil, "", fmt.Errorf("-pubsub %q: want redis://host:port[/db] or nats://host:port, or nothing for a single node", u.Redacted())
}

// redisAdapter is the Redis adapter on a client made from a URL: the
// adapter does not close a client it was given, so this closes it after.
type redisAdapter struct {
	*redis.Adapter
	client *goredis.Client
}

// Close closes the adapter, then its client.
func (a *redisAdapter) Close() error {
	return errors.Join(a.Adapter.Close(), a.client.Close())
}

// loadSecret reads the signing secret from file, or from the environment
// when file is empty. It returns nil, nil when neither is set.
func loadSecret(file string, getenv func(string) string) ([]byte, error) {
	text, from := getenv(secretEnv), "$"+secretEnv
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-secret-file: %w", err)
		}
		text, from = string(b), "-secret-file "+file
	}
	text = strings.TrimSpace(text)
	if text == "" {
		if file != "" {
			return nil, fmt.Errorf("%s is empty", from)
		}
		return nil, nil
	}
	secret, err := decodeSecret(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return secret, nil
}

// decodeSecret decodes hex (as "openssl rand -hex 32" prints) or base64,
// standard or URL-safe, padded or not.
func decodeSecret(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err = enc.DecodeString(s); err == nil {
				break
			}
		}
	}
	if err != nil {
		return nil, errors.New("the secret is neither hex nor base64")
	}
	if len(b) < minSecretLen {
		return nil, fmt.Errorf("the secret is %d bytes, want at least %d (openssl rand -hex 32)", len(b), minSecretLen)
	}
	return b, nil
}

// signingSecret returns the shared secret, or a random one, saying that
// what it signs will not outlive this process nor work on other nodes.
func (c clusterConfig) signingSecret(logger *slog.Logger) []byte {
	if c.secret != nil {
		return c.secret
	}
	logger.Warn("no signing secret (-secret-file or " + secretEnv + "): using a random one, " +
		"so sign-ins, sessions and socket tokens will not work on other nodes nor after a restart")
	secret := make([]byte, minSecretLen)
	rand.Read(secret)
	return secret
}

// nodeName returns this node's name: the -node flag, or the host name and
// the address ln listens on, unique among the nodes of one machine. It
// returns "" (a random name) when there is neither.
func (c clusterConfig) nodeName(ln net.Listener) string {
	if c.node != "" || ln == nil {
		return c.node
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + "/" + ln.Addr().String()
}

// presenceOptions returns the Tracker options for the down period. A down
// period shorter than Phoenix's 30 s needs heartbeats to match: the period
// is a twentieth of it (at most presence.DefaultBroadcastPeriod), so an
// idle node still heartbeats twice per down period.
func (c clusterConfig) presenceOptions(logger *slog.Logger) presence.Options[RoomMeta] {
	opts := presence.Options[RoomMeta]{Logger: logger}
	if c.presenceDown > 0 {
		opts.DownPeriod = c.presenceDown
		opts.BroadcastPeriod = min(presence.DefaultBroadcastPeriod, c.presenceDown/20)
		opts.MaxSilentPeriods = presence.DefaultMaxSilentPeriods
		opts.PermdownPeriod = max(presence.DefaultPermdownPeriod, c.presenceDown)
	}
	return opts
}

// logCluster says how this node is joined to others.
func (c clusterConfig) logCluster(logger *slog.Logger, ps *pubsub.PubSub) {
	if c.adapter == nil {
		logger.Info("single node: broadcasts stay in this process (-pubsub to share them)", "node", ps.Node())
		return
	}
	logger.Info("cluster node", "node", ps.Node(), "pubsub", c.broker, "presence_down", c.presenceDown)
}
