// Package content is the demo's posts context: it stores posts in SQLite and,
// only after a change has committed, announces it on PubSub. It is the Go
// counterpart of the MyApp.Content context of the Phoenix brief:
//
//	case Repo.insert(changeset) do
//	  {:ok, post} -> Phoenix.PubSub.broadcast(MyApp.PubSub, "posts", {:post_created, post}) ...
//
// becomes
//
//	post, err := store.CreatePost(ctx, userID, body) // stored, then broadcast
//
// Business logic broadcasts, views subscribe and react: a live feed
// subscribes to [TopicPosts] when it mounts, lists [Store.ListRecentPosts],
// and inserts, replaces or removes one post per message.
//
// # Database
//
// [Open] opens a SQLite file with the pure Go driver modernc.org/sqlite (no
// cgo), creating it and its directory on first run, in WAL mode so that reads
// go on while a write commits. The schema is migrated when the Store opens:
// an ordered list of migrations, each applied once and recorded in the
// schema_migrations table. A database recorded by a newer build is refused
// with [ErrNewerSchema]. [MemoryPath] opens a throwaway in-memory database.
//
// # Messages
//
// Each successful write broadcasts one message, [PostCreated], [PostUpdated]
// or [PostDeleted], each carrying the [Post], on two topics:
//
//   - [TopicPosts], "posts": every change to every post;
//   - [UserTopic](userID), "posts:<user_id>": the changes to that user's
//     posts, for a "my posts" view (the brief's {:my_post_created, post}).
//
// A subscriber to both topics receives each message twice, once per topic;
// [pubsub.Message.Topic] tells them apart.
//
// A message is broadcast after the transaction committed, never before, and
// never when the write failed: refused input ([*ValidationError]), a post
// that does not exist ([ErrNotFound]) or belongs to someone else
// ([ErrForbidden]), a cancelled context or a database error. So a view that
// receives a message may read the change back from the database at once.
// Writes are serialized and their messages broadcast in commit order, so on
// one node they arrive in that order; a write's broadcast runs after the
// database's write lock is released, so the next write never waits for it.
//
// Once the change has committed the write has succeeded, whatever becomes of
// its broadcast: it goes out even if the caller's context is cancelled by
// then, and a broadcast that fails (a closed PubSub) is logged, not
// returned, and does not roll anything back. A broker that is slow or
// unreachable holds up no write: the PubSub publishes to other nodes from
// its own queue.
//
// [Open] registers the message types with the PubSub under the names
// "content.PostCreated", "content.PostUpdated" and "content.PostDeleted", so
// that with a cluster adapter they reach the views of the other nodes as the
// same Go types.
//
// # Validation
//
// A body is trimmed of surrounding white space, must not be empty, and may
// hold at most [MaxBodyLength] characters (runes, not bytes). Invalid input is
// reported as a [*ValidationError] whose Fields map each field to a message a
// form can show next to it; [ErrInvalid] matches it with [errors.Is].
package content
