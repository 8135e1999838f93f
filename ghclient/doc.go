// Package ghclient is the Action's GitHub REST API client: it posts a plan
// to its pull request as one sticky comment, keeps that comment's status
// line up to date, and finds the merged pull request of a commit
// (docs/github-action.md). It applies nothing.
//
// It takes already rendered Markdown and imports nothing from the project:
// the comment is found by a hidden marker (Marker), carries the plan's
// fingerprint (FingerprintMarker, ReviewedFingerprint) and a status line
// between hidden markers (StatusLine, UpdateStatus), and is cut under
// GitHub's 65,536-character limit by Truncate.
//
// Only comments written by a bot account are trusted, so a person quoting
// the marker in their own comment can neither capture the sticky comment nor
// inject a fingerprint.
package ghclient
