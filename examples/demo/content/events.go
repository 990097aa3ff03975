package content

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/templive/templive/pubsub"
)

// TopicPosts is the topic on which every change to any post is broadcast.
const TopicPosts = "posts"

// UserTopic returns the topic on which the changes to the posts of the user
// userID are broadcast: "posts:" followed by the user ID, as in the brief.
// That prefix is therefore taken: a topic for one post must not be named
// "posts:<post_id>", or it would collide with the user of the same ID.
func UserTopic(userID string) string { return TopicPosts + ":" + userID }

// PostCreated is broadcast after a post was stored.
type PostCreated struct {
	Post Post `json:"post"`
}

// PostUpdated is broadcast after a post's body was changed. Post is the post
// as it is now.
type PostUpdated struct {
	Post Post `json:"post"`
}

// PostDeleted is broadcast after a post was deleted. Post is the post as it
// was just before.
type PostDeleted struct {
	Post Post `json:"post"`
}

// registerMessages names the message types for crossing nodes. Every node
// registers them under these names when it opens its Store.
func registerMessages(ps *pubsub.PubSub) error {
	for _, err := range []error{
		pubsub.Register[PostCreated](ps, "content.PostCreated"),
		pubsub.Register[PostUpdated](ps, "content.PostUpdated"),
		pubsub.Register[PostDeleted](ps, "content.PostDeleted"),
	} {
		if err != nil {
			return fmt.Errorf("register messages: %w", err)
		}
	}
	return nil
}

// broadcast announces msg, about a post by userID, on TopicPosts and on the
// author's topic. It runs after the commit, so a failure cannot undo the
// write: it is logged, and the operation still succeeds. It runs even if
// the caller's context is done by then, because the change is stored and
// subscribers must hear of it; it cannot hang on the broker, which
// Broadcast does not wait for.
func (s *Store) broadcast(ctx context.Context, userID string, msg any) {
	ctx = context.WithoutCancel(ctx)
	for _, topic := range []string{TopicPosts, UserTopic(userID)} {
		if err := s.ps.Broadcast(ctx, topic, msg); err != nil {
			s.logger.LogAttrs(ctx, slog.LevelError, "content: broadcast after commit failed",
				slog.String("topic", topic),
				slog.String("message", fmt.Sprintf("%T", msg)),
				slog.Any("err", err))
		}
	}
}
