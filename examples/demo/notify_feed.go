package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/templive/templive/examples/demo/content"
)

// The feed's notifications: a like tells the post's author, a new post
// alerts the admins.

// liked notifies the author of post id that user liked it. A post that is
// gone, or the user's own, notifies nobody.
func (n *notifier) liked(ctx context.Context, store *content.Store, user string, id int64) error {
	p, err := store.GetPost(ctx, id)
	if errors.Is(err, content.ErrNotFound) || err == nil && p.UserID == user {
		return nil
	} else if err != nil {
		return err
	}
	_, err = n.notify(ctx, userNotifications(p.UserID), fmt.Sprintf("%s liked your post #%d", user, p.ID), "/feed#post-"+strconv.FormatInt(p.ID, 10))
	return err
}

// alertAdmins tells the admins that user posted on the feed.
func (n *notifier) alertAdmins(ctx context.Context, user string) error {
	_, err := n.notify(ctx, adminNotifications, user+" posted on the feed", "/feed")
	return err
}
