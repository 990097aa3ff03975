package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CreatePost stores a post by userID and then broadcasts [PostCreated] on
// [TopicPosts] and [UserTopic](userID). The body is trimmed; an empty body,
// one longer than [MaxBodyLength] or an empty userID is refused with a
// [*ValidationError] and nothing is stored or broadcast.
func (s *Store) CreatePost(ctx context.Context, userID, body string) (Post, error) {
	return s.CreatePhotoPost(ctx, userID, body, "")
}

// CreatePhotoPost is [Store.CreatePost] for a post with a photo: photo is
// the name of its file, which the caller stores. A name that is not a
// plain file name of lower-case letters, digits and dots is refused with a
// [*ValidationError].
func (s *Store) CreatePhotoPost(ctx context.Context, userID, body, photo string) (Post, error) {
	body, err := validatePost(userID, body)
	if err == nil && !validPhoto(photo) {
		err = &ValidationError{Fields: map[string]string{"photo": "is not a valid file name"}}
	}
	if err != nil {
		return Post{}, fmt.Errorf("create post: %w", err)
	}
	var post Post
	err = s.write(ctx, func(tx *sql.Tx) (string, any, error) {
		now := s.now().UTC().Round(0)
		res, err := tx.ExecContext(ctx,
			`INSERT INTO posts (user_id, body, photo, inserted_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			userID, body, photo, formatTime(now), formatTime(now))
		if err != nil {
			return "", nil, fmt.Errorf("insert: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return "", nil, fmt.Errorf("insert: %w", err)
		}
		post = Post{ID: id, UserID: userID, Body: body, Photo: photo, InsertedAt: now, UpdatedAt: now}
		return userID, PostCreated{Post: post}, nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("create post: %w", err)
	}
	return post, nil
}

// UpdatePost replaces the body of post id, on behalf of userID, and then
// broadcasts [PostUpdated] on [TopicPosts] and the author's [UserTopic]. The
// body is validated first, as by [Store.CreatePost]; then a missing post
// fails with [ErrNotFound], and one written by someone else with
// [ErrForbidden]. A failed update broadcasts nothing.
func (s *Store) UpdatePost(ctx context.Context, userID string, id int64, body string) (Post, error) {
	body, err := validatePost(userID, body)
	if err != nil {
		return Post{}, fmt.Errorf("update post %d: %w", id, err)
	}
	var post Post
	err = s.write(ctx, func(tx *sql.Tx) (string, any, error) {
		old, err := authorPost(ctx, tx, userID, id)
		if err != nil {
			return "", nil, err
		}
		now := s.now().UTC().Round(0)
		if _, err := tx.ExecContext(ctx,
			`UPDATE posts SET body = ?, updated_at = ? WHERE id = ?`,
			body, formatTime(now), id); err != nil {
			return "", nil, fmt.Errorf("update: %w", err)
		}
		post = old
		post.Body, post.UpdatedAt = body, now
		return post.UserID, PostUpdated{Post: post}, nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("update post %d: %w", id, err)
	}
	return post, nil
}

// DeletePost deletes post id on behalf of userID and then broadcasts
// [PostDeleted], carrying the post as it was, on [TopicPosts] and the
// author's [UserTopic]. A missing post fails with [ErrNotFound], one written
// by someone else with [ErrForbidden]; a failed delete broadcasts nothing.
func (s *Store) DeletePost(ctx context.Context, userID string, id int64) (Post, error) {
	var post Post
	err := s.write(ctx, func(tx *sql.Tx) (string, any, error) {
		var err error
		post, err = authorPost(ctx, tx, userID, id)
		if err != nil {
			return "", nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, id); err != nil {
			return "", nil, fmt.Errorf("delete: %w", err)
		}
		return post.UserID, PostDeleted{Post: post}, nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("delete post %d: %w", id, err)
	}
	return post, nil
}

// authorPost returns post id, provided userID wrote it.
func authorPost(ctx context.Context, tx *sql.Tx, userID string, id int64) (Post, error) {
	post, err := scanPost(tx.QueryRowContext(ctx, selectPost+` WHERE id = ?`, id))
	if err != nil {
		return Post{}, err
	}
	if post.UserID != userID {
		return Post{}, ErrForbidden
	}
	return post, nil
}

// GetPost returns post id, or [ErrNotFound].
func (s *Store) GetPost(ctx context.Context, id int64) (Post, error) {
	exit, err := s.enter()
	if err != nil {
		return Post{}, fmt.Errorf("get post %d: %w", id, err)
	}
	defer exit()
	post, err := scanPost(s.db.QueryRowContext(ctx, selectPost+` WHERE id = ?`, id))
	if err != nil {
		return Post{}, fmt.Errorf("get post %d: %w", id, err)
	}
	return post, nil
}

// ListRecentPosts returns up to limit posts, newest first: in the reverse
// order of their creation, which is the order of their IDs.
func (s *Store) ListRecentPosts(ctx context.Context, limit int) ([]Post, error) {
	posts, err := s.list(ctx, limit, selectPost+` ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list recent posts: %w", err)
	}
	return posts, nil
}

// ListUserPosts returns up to limit posts written by userID, newest first.
func (s *Store) ListUserPosts(ctx context.Context, userID string, limit int) ([]Post, error) {
	posts, err := s.list(ctx, limit, selectPost+` WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list posts of %q: %w", userID, err)
	}
	return posts, nil
}

func (s *Store) list(ctx context.Context, limit int, query string, args ...any) ([]Post, error) {
	if limit < 1 {
		return nil, fmt.Errorf("limit %d is not positive", limit)
	}
	exit, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer exit()
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	posts := []Post{}
	for rows.Next() {
		post, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		posts = append(posts, post)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return posts, nil
}

const selectPost = `SELECT id, user_id, body, photo, inserted_at, updated_at FROM posts`

// scanPost reads one row of selectPost; sql.ErrNoRows becomes ErrNotFound.
func scanPost(row interface{ Scan(...any) error }) (Post, error) {
	var post Post
	var inserted, updated string
	if err := row.Scan(&post.ID, &post.UserID, &post.Body, &post.Photo, &inserted, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Post{}, ErrNotFound
		}
		return Post{}, err
	}
	var err error
	if post.InsertedAt, err = parseTime(inserted); err != nil {
		return Post{}, err
	}
	if post.UpdatedAt, err = parseTime(updated); err != nil {
		return Post{}, err
	}
	return post, nil
}
