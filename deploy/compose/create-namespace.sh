#!/bin/sh
# Creates the default namespace and registers the video search attributes (both idempotent).
set -eu
temporal operator namespace describe --namespace default >/dev/null 2>&1 ||
  temporal operator namespace create --namespace default --retention 7d
for attribute in VideoStatus:Keyword VideoModel:Keyword VideoJobId:Keyword VideoCampaignId:Keyword \
  VideoCreditsEstimated:Double VideoFailureType:Keyword; do
  temporal operator search-attribute create --namespace default \
    --name "${attribute%%:*}" --type "${attribute#*:}" 2>/dev/null || true
done
