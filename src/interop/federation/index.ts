export { pollPeer, peerKeyPrefix, type PollOptions, type PollResult } from "./sync";
export { pollPeers, federationJob } from "./job";
export { fetchPeerPackage, packageUrl, PeerFetchError } from "./fetch";
export { planItemsOf, withdrawnOcids, type PeerPlanItem } from "./plans";
export { federationStatus, type PeerStatus } from "./status";
