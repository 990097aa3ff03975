package token

import (
	"encoding/json"
	"fmt"
	"time"
)

// Sign returns a token carrying v encoded as JSON, signed now for salt, as
// Phoenix.Token.sign carries any term. Its error is the encoder's, for a v
// JSON cannot represent.
func Sign[T any](s *Signer, salt string, v T) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return s.Sign(salt, data), nil
}

// Verify verifies token like [Signer.Verify] and decodes its JSON data into
// a T. Data that does not decode as a T is reported as [ErrInvalid]: a
// token signed with [Sign] for another type under the same salt is as
// unusable as a forged one.
func Verify[T any](s *Signer, salt, token string, maxAge time.Duration) (T, error) {
	var v T
	data, err := s.Verify(salt, token, maxAge)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return v, nil
}
