-- IAM-5: an OAuth access token carries the scopes it was issued with (space-separated
-- permission codes, a subset of its API key's scopes).
ALTER TABLE oauth_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
