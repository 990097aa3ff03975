package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/templive/templive/pubsub"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// MemoryPath, passed to [Open] as the path, opens a private database that
// lives in memory and disappears on Close.
const MemoryPath = ":memory:"

// defaultBusyTimeout is how long a statement waits for a lock another
// connection or process holds before it fails with SQLITE_BUSY.
const defaultBusyTimeout = 5 * time.Second

// maxOpenConns bounds the connections to a database file. Writes take one
// at a time; the others serve concurrent reads, which WAL allows.
const maxOpenConns = 8

// An Option configures [Open].
type Option func(*options) error

type options struct {
	now         func() time.Time
	logger      *slog.Logger
	busyTimeout time.Duration
}

// WithClock makes the Store read the time from now instead of [time.Now],
// for deterministic timestamps in tests.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger that receives the broadcasts that failed after
// their write committed. The default is [slog.Default].
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) error {
		if logger == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = logger
		return nil
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by another
// connection or process before it fails. The default is 5 s; 0 fails at once.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("WithBusyTimeout: negative timeout %v", d)
		}
		o.busyTimeout = d
		return nil
	}
}

// A Store owns the posts of one SQLite database and announces every change
// on a [pubsub.PubSub]; see the package documentation.
//
// All methods are safe for concurrent use. Writes are serialized, and their
// broadcasts go out in commit order, so the subscribers of this node see
// changes in that order; but a write's broadcast runs after the database's
// write lock is released, so the next write's transaction never waits for
// it. A write returns once its broadcast has been made. Whoever calls [Open]
// must call [Store.Close]; the PubSub stays the caller's to close.
type Store struct {
	db     *sql.DB
	ps     *pubsub.PubSub
	now    func() time.Time
	logger *slog.Logger

	// writing holds one token while a write runs, from the beginning of its
	// transaction to its commit. A channel rather than a mutex, so that
	// waiting for it honours the caller's context.
	writing chan struct{}

	outMu  sync.Mutex     // guards outbox
	outbox []announcement // the messages of committed writes not yet broadcast, in commit order
	// announcing is held while the outbox is broadcast, so that batches
	// taken from it go out one after the other.
	announcing sync.Mutex

	mu       sync.RWMutex // guards closed, closeErr; read-held by every operation in flight
	closed   bool
	closeErr error
}

// Open opens the SQLite database file at path, creating it and its directory
// if they do not exist, brings its schema up to date, and registers the
// messages of this package with ps (see [PostCreated]). The path
// [MemoryPath] opens a private in-memory database instead. ctx bounds the
// opening and the migrations, not the life of the Store.
func Open(ctx context.Context, path string, ps *pubsub.PubSub, opts ...Option) (*Store, error) {
	if ps == nil {
		return nil, errors.New("content: Open with a nil PubSub")
	}
	o := options{now: time.Now, logger: slog.Default(), busyTimeout: defaultBusyTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("content: open: %w", err)
		}
	}
	if err := registerMessages(ps); err != nil {
		return nil, fmt.Errorf("content: open: %w", err)
	}
	db, err := openDB(path, o.busyTimeout)
	if err != nil {
		return nil, fmt.Errorf("content: open %s: %w", path, err)
	}
	if err := migrateRetrying(ctx, db, o); err != nil {
		return nil, errors.Join(fmt.Errorf("content: open %s: %w", path, err), db.Close())
	}
	return &Store{
		db:      db,
		ps:      ps,
		now:     o.now,
		logger:  o.logger,
		writing: make(chan struct{}, 1),
	}, nil
}

// migrateRetrying migrates db, trying again for up to the busy timeout when
// SQLite reports the database busy. Processes that open a new database at
// once race to switch it to WAL, and SQLite answers the loser with
// SQLITE_BUSY without waiting out the busy timeout.
func migrateRetrying(ctx context.Context, db *sql.DB, o options) error {
	deadline := time.Now().Add(o.busyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := migrate(ctx, db, migrations, o.now)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (code 5, in any of its
// extended forms).
func isBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}

// openDB opens and checks a connection pool to the database at path.
func openDB(path string, busyTimeout time.Duration) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("empty path")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	// Every transaction here writes, so take the write lock when it begins:
	// a deferred transaction that upgrades later can fail with SQLITE_BUSY
	// without waiting out the busy timeout.
	q.Set("_txlock", "immediate")

	var dsn string
	if path == MemoryPath {
		dsn = MemoryPath + "?" + q.Encode()
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		// WAL lets reads proceed while a write is under way; NORMAL
		// synchronisation is durable across crashes of the process, and
		// is the usual pairing with WAL.
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// A file: URI, so that no character of the path (a '?', a '#')
		// is mistaken for the start of the parameters. Its path must
		// start with a slash, or "C:" would read as a host.
		p := filepath.ToSlash(abs)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		dsn = (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if path == MemoryPath {
		// Each connection to ":memory:" is a database of its own: keep
		// exactly one, forever.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
	} else {
		db.SetMaxOpenConns(maxOpenConns)
		db.SetMaxIdleConns(maxOpenConns)
	}
	return db, nil
}

// Close closes the database. It waits for the operations in flight, and
// later operations fail with [ErrClosed]. Close is idempotent; every call
// returns the first call's result.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("content: close: %w", err)
		}
	}
	return s.closeErr
}

// enter marks an operation in flight, so that Close waits for it. The caller
// must call the returned function when done.
func (s *Store) enter() (exit func(), err error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	return s.mu.RUnlock, nil
}

// write runs fn in a transaction, commits, and only then broadcasts the
// message fn returned about a post by userID. When fn or the commit fails,
// the transaction is rolled back and nothing is broadcast.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) (userID string, msg any, err error)) error {
	exit, err := s.enter()
	if err != nil {
		return err
	}
	defer exit()
	if err := s.commit(ctx, fn); err != nil {
		return err
	}
	s.announce()
	return nil
}

// commit runs fn in a transaction with the write token held, commits, and
// puts fn's message in the outbox while it still holds the token, so that
// the outbox is in commit order.
func (s *Store) commit(ctx context.Context, fn func(tx *sql.Tx) (userID string, msg any, err error)) error {
	select {
	case s.writing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writing }()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	userID, msg, err := fn(tx)
	if err != nil {
		if rerr := rollback(tx); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.outMu.Lock()
	s.outbox = append(s.outbox, announcement{ctx: ctx, userID: userID, msg: msg})
	s.outMu.Unlock()
	return nil
}

// An announcement is the message of a committed write, waiting in the
// outbox to be broadcast.
type announcement struct {
	ctx    context.Context // the write's, for its values; its end does not stop the broadcast
	userID string
	msg    any
}

// announce broadcasts the outbox, in order, without the write token: the
// next write can begin its transaction meanwhile. Whoever holds announcing
// sends every message queued so far, its own and those of the writes that
// committed since; so when announce returns, the caller's message has been
// broadcast, by itself or by the write before it.
func (s *Store) announce() {
	s.announcing.Lock()
	defer s.announcing.Unlock()
	s.outMu.Lock()
	out := s.outbox
	s.outbox = nil
	s.outMu.Unlock()
	for _, a := range out {
		s.broadcast(a.ctx, a.userID, a.msg)
	}
}
