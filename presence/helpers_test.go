package presence_test

import (
	"log/slog"
	"os"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testLogger() *slog.Logger {
	if os.Getenv("PRESENCE_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return discard()
}
