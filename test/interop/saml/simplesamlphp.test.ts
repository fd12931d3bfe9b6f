import { idpContract } from './idp-contract.ts';
import { startSimpleSamlPhp } from './simplesamlphp.ts';

idpContract('simplesamlphp', startSimpleSamlPhp);
