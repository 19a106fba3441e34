// Package consent makes a citizen's consent enforceable: agencies sign
// presentation requests, citizens sign grants that allow exactly the facts
// a purpose needs, receipts of grants are anchored on the ledger,
// withdrawal takes effect for every later verification, and the verifier's
// gate accepts a presentation only under a live grant that covers it.
//
// Vocabulary: purposes and legal bases are W3C Data Privacy Vocabulary
// (DPV 2.x) terms where DPV has one (dpv:ServiceProvision,
// dpv:IdentityVerification, dpv:Consent, dpv-gdpr:A6-1-e for a public task
// ...) and documented civicproof terms otherwise (civicproof:BenefitEligibility
// ...). A grant moves through the DPV consent lifecycle: requested, given,
// refused, withdrawn (by the citizen), revoked (by the agency), expired.
// Receipts follow the fields of ISO/IEC TS 27560 and the Kantara Consent
// Receipt where they fit.
package consent
