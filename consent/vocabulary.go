package consent

import (
	"fmt"
	"slices"
)

// Purpose names why an agency asks for information. Codes are compact IRIs:
// "dpv:..." terms come from the W3C Data Privacy Vocabulary (DPV 2.x,
// https://w3id.org/dpv); "civicproof:..." terms are this project's own,
// narrower purposes for public services, each documented with the DPV term
// it refines.
type Purpose string

// Purposes taken from DPV.
const (
	PurposeServiceProvision       Purpose = "dpv:ServiceProvision"
	PurposeIdentityVerification   Purpose = "dpv:IdentityVerification"
	PurposeAgeVerification        Purpose = "dpv:AgeVerification"
	PurposeEnforceSecurity        Purpose = "dpv:EnforceSecurity"
	PurposeEnforceAccessControl   Purpose = "dpv:EnforceAccessControl"
	PurposeFraudPrevention        Purpose = "dpv:FraudPreventionAndDetection"
	PurposeLegalCompliance        Purpose = "dpv:LegalCompliance"
	PurposeResearchAndDevelopment Purpose = "dpv:ResearchAndDevelopment"
)

// Purposes defined by civicproof for public services. DPV has no terms this
// specific; each refines dpv:ServiceProvision unless noted.
const (
	// PurposeBenefitEligibility: deciding whether a person qualifies for a
	// social benefit or allowance.
	PurposeBenefitEligibility Purpose = "civicproof:BenefitEligibility"
	// PurposeResidenceCheck: establishing that a person lives in a district
	// served by the agency (local services, school places, voting lists).
	PurposeResidenceCheck Purpose = "civicproof:ResidenceCheck"
	// PurposeEmergencyAid: distributing emergency relief once per person.
	PurposeEmergencyAid Purpose = "civicproof:EmergencyAid"
	// PurposeLicensing: issuing or renewing a licence or permit.
	PurposeLicensing Purpose = "civicproof:Licensing"
	// PurposeTaxAssessment: establishing tax liabilities or reliefs; refines
	// dpv:LegalCompliance.
	PurposeTaxAssessment Purpose = "civicproof:TaxAssessment"
)

var purposes = []Purpose{
	PurposeServiceProvision, PurposeIdentityVerification, PurposeAgeVerification,
	PurposeEnforceSecurity, PurposeEnforceAccessControl, PurposeFraudPrevention,
	PurposeLegalCompliance, PurposeResearchAndDevelopment,
	PurposeBenefitEligibility, PurposeResidenceCheck, PurposeEmergencyAid,
	PurposeLicensing, PurposeTaxAssessment,
}

// Purposes returns every purpose code this package accepts.
func Purposes() []Purpose { return slices.Clone(purposes) }

// Valid reports whether p is a known purpose code.
func (p Purpose) Valid() bool { return slices.Contains(purposes, p) }

// IsDPV reports whether p is a W3C DPV term (as opposed to a civicproof one).
func (p Purpose) IsDPV() bool { return p.Valid() && len(p) > 4 && p[:4] == "dpv:" }

// LegalBasis names the legal ground for processing (GDPR Art. 6), as DPV
// legal-basis terms. Agencies usually act under a public task rather than
// consent and must say so; a grant still records that the citizen was
// told and agreed to this particular use.
type LegalBasis string

// Legal bases. All are DPV terms; PublicTask is the DPV-GDPR term for
// GDPR Art. 6(1)(e) ("public interest or official authority"), the DPV
// core concepts for it being dpv:PublicInterest and
// dpv:OfficialAuthorityOfController.
const (
	BasisConsent            LegalBasis = "dpv:Consent"
	BasisContract           LegalBasis = "dpv:Contract"
	BasisLegalObligation    LegalBasis = "dpv:LegalObligation"
	BasisVitalInterest      LegalBasis = "dpv:VitalInterest"
	BasisPublicTask         LegalBasis = "dpv-gdpr:A6-1-e"
	BasisLegitimateInterest LegalBasis = "dpv:LegitimateInterest"
)

var legalBases = []LegalBasis{
	BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterest,
	BasisPublicTask, BasisLegitimateInterest,
}

// LegalBases returns every legal-basis code this package accepts.
func LegalBases() []LegalBasis { return slices.Clone(legalBases) }

// Valid reports whether b is a known legal-basis code.
func (b LegalBasis) Valid() bool { return slices.Contains(legalBases, b) }

// State is a grant's place in the DPV consent lifecycle
// (dpv:ConsentRequested, dpv:ConsentGiven, ...).
type State uint8

// Lifecycle states.
const (
	StateRequested State = iota + 1 // dpv:ConsentRequested: asked, not yet answered
	StateGiven                      // dpv:ConsentGiven: live
	StateRefused                    // dpv:ConsentRefused: the citizen said no
	StateWithdrawn                  // dpv:ConsentWithdrawn: ended by the citizen
	StateRevoked                    // dpv:ConsentRevoked: ended by the agency
	StateExpired                    // dpv:ConsentExpired: past its validity window
)

var stateNames = map[State]string{
	StateRequested: "dpv:ConsentRequested",
	StateGiven:     "dpv:ConsentGiven",
	StateRefused:   "dpv:ConsentRefused",
	StateWithdrawn: "dpv:ConsentWithdrawn",
	StateRevoked:   "dpv:ConsentRevoked",
	StateExpired:   "dpv:ConsentExpired",
}

// String returns the DPV term of the state.
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("consent.State(%d)", uint8(s))
}

// Live reports whether a grant in this state authorizes anything.
func (s State) Live() bool { return s == StateGiven }
