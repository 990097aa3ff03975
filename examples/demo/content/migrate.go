package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A migration is one step of the schema's history. Migrations are applied
// in order, each once, each in its own transaction together with the row
// that records it in schema_migrations. Never edit or reorder a migration
// that has shipped: append a new one.
type migration struct {
	name string
	sql  string
}

// migrations is the schema's history; version N is migrations[N-1].
var migrations = []migration{
	{
		name: "create posts",
		sql: `CREATE TABLE posts (
			id          INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so newest is highest
			user_id     TEXT NOT NULL CHECK (user_id <> ''),
			body        TEXT NOT NULL CHECK (body <> ''),
			inserted_at TEXT NOT NULL, -- UTC, see timeLayout
			updated_at  TEXT NOT NULL
		)`,
	},
	{
		name: "index posts by author",
		sql:  `CREATE INDEX posts_user_id_id ON posts (user_id, id DESC)`,
	},
	{
		name: "add a photo to posts",
		sql:  `ALTER TABLE posts ADD COLUMN photo TEXT NOT NULL DEFAULT ''`,
	},
}

// migrate brings the schema of db up to the last of ms. It is idempotent,
// and safe against other processes migrating the same file at the same
// time: each step re-checks, under the write lock, that it is still missing.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) error {
	if err := createMigrationsTable(ctx, db); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for version, name := range applied {
		if version < 1 || version > len(ms) {
			return fmt.Errorf("migrate: version %d (%q) is unknown: %w", version, name, ErrNewerSchema)
		}
		if want := ms[version-1].name; name != want {
			return fmt.Errorf("migrate: version %d is %q here but %q in the database: %w", version, want, name, ErrNewerSchema)
		}
	}
	for i, m := range ms {
		version := i + 1
		if _, ok := applied[version]; ok {
			continue
		}
		if err := applyMigration(ctx, db, version, m, now); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", version, m.name, err)
		}
	}
	return nil
}

// createMigrationsTable creates the table of applied migrations if it does
// not exist, in a transaction that takes the write lock when it begins: as
// a bare statement, a process racing another to create it could read the
// schema, lose the race for the write lock and fail with SQLITE_BUSY at
// once, without waiting out the busy timeout.
func createMigrationsTable(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, rollback(tx))
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return err
	}
	return tx.Commit()
}

// appliedMigrations returns the name of each version recorded in db.
func appliedMigrations(ctx context.Context, db *sql.DB) (map[int]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := make(map[int]string)
	for rows.Next() {
		var version int
		var name string
		if err := rows.Scan(&version, &name); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[version] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return applied, nil
}

// applyMigration applies m as version unless, by the time this process holds
// the write lock, another one has already done so.
func applyMigration(ctx context.Context, db *sql.DB, version int, m migration, now func() time.Time) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, rollback(tx))
		}
	}()
	var done bool
	if err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version).Scan(&done); err != nil {
		return err
	}
	if done {
		return tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		version, m.name, formatTime(now())); err != nil {
		return err
	}
	return tx.Commit()
}

// rollback rolls tx back, ignoring that it may already be over.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
