// Package ghaction is the GitHub Action's flow (docs/github-action.md):
// it reads the step's inputs and event through the Env package main gives
// it, validates with annotations, plans through package pipeline, posts
// the sticky comment and the step summary through package ghclient, and on
// the push of a merge applies the reviewed plan.
//
// Run returns an error that carries the exit code (pipeline.Code).
package ghaction
