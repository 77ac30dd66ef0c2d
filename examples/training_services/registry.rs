//! The model registry client and the promotion rule.

use crate::ServiceError;

/// A model version as the registry knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelCard {
    pub name: String,
    pub version: u32,
    /// F1 on the held-out set.
    pub f1: f64,
}

/// The registry, injected by the caller.
#[cfg_attr(test, mockall::automock)]
pub trait ModelRegistry {
    /// The version in production, if any.
    fn production(&self, name: &str) -> Result<Option<ModelCard>, ServiceError>;
    /// Registers a new production version.
    fn register(&self, card: &ModelCard) -> Result<(), ServiceError>;
}

/// What `register_if_better` did.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// The candidate is the new production version.
    Registered,
    /// Production stays: the candidate's F1 is not higher.
    KeptProduction { production_f1: f64 },
}

/// Registers `candidate` only if its F1 beats production's (or nothing is in production).
pub fn register_if_better(
    registry: &dyn ModelRegistry,
    candidate: &ModelCard,
) -> Result<Decision, ServiceError> {
    if let Some(production) = registry.production(&candidate.name)?
        && candidate.f1 <= production.f1
    {
        return Ok(Decision::KeptProduction {
            production_f1: production.f1,
        });
    }
    registry.register(candidate)?;
    Ok(Decision::Registered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_test::prelude::*;
    use mockall::predicate::eq;

    fn card(version: u32, f1: f64) -> ModelCard {
        ModelCard {
            name: "churn".into(),
            version,
            f1,
        }
    }

    #[ml_test]
    fn a_better_candidate_is_registered() {
        let mut registry = MockModelRegistry::new();
        registry
            .expect_production()
            .with(eq("churn"))
            .returning(|_| Ok(Some(card(6, 0.81))));
        registry
            .expect_register()
            .withf(|card| card.version == 7 && card.f1 == 0.84)
            .times(1)
            .returning(|_| Ok(()));
        assert_eq!(
            register_if_better(&registry, &card(7, 0.84)),
            Ok(Decision::Registered)
        );
    }

    #[ml_test]
    fn a_candidate_that_is_not_better_is_not_registered() {
        let mut registry = MockModelRegistry::new();
        registry
            .expect_production()
            .returning(|_| Ok(Some(card(6, 0.81))));
        registry.expect_register().never();
        assert_eq!(
            register_if_better(&registry, &card(7, 0.81)),
            Ok(Decision::KeptProduction {
                production_f1: 0.81
            })
        );
    }

    #[ml_test]
    fn the_first_model_is_registered() {
        let mut registry = MockModelRegistry::new();
        registry.expect_production().returning(|_| Ok(None));
        registry.expect_register().times(1).returning(|_| Ok(()));
        assert_eq!(
            register_if_better(&registry, &card(1, 0.2)),
            Ok(Decision::Registered)
        );
    }

    #[ml_test]
    fn a_registry_that_is_down_registers_nothing_and_says_so() {
        let mut registry = MockModelRegistry::new();
        registry.expect_production().returning(|_| {
            Err(ServiceError::Unavailable(
                "registry: connection refused".into(),
            ))
        });
        registry.expect_register().never();
        assert_eq!(
            register_if_better(&registry, &card(7, 0.99)),
            Err(ServiceError::Unavailable(
                "registry: connection refused".into()
            ))
        );
    }

    #[ml_test]
    fn a_failed_registration_is_reported() {
        let mut registry = MockModelRegistry::new();
        registry.expect_production().returning(|_| Ok(None));
        registry.expect_register().returning(|_| {
            Err(ServiceError::Unavailable(
                "HTTP 500 from the registry".into(),
            ))
        });
        assert!(matches!(
            register_if_better(&registry, &card(1, 0.5)),
            Err(ServiceError::Unavailable(why)) if why.contains("500")
        ));
    }
}
