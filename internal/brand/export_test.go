package brand

import "time"

// ExpireInviteForTest moves an invite's expiry (tests only).
func (s *Service) ExpireInviteForTest(id string, at time.Time) error {
	return s.db.Model(&Invite{}).Where("id = ?", id).Update("expires_at", at.UTC()).Error
}
