/**
 * Who may connect and what they may do: the authenticator chain run at CONNECT (anonymous,
 * client certificate, password file, HTTP hook), the ACL checked on SUBSCRIBE, PUBLISH and wills,
 * the files behind them (reloaded without restart) and the {@code passwd} command.
 */
package org.rmqtt.gateway.auth;
